"""The mentoring overview: this week's sessions, the next one, answers awaited, plans and actions due."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import joinedload, lazyload

from learnhub.extensions import db
from learnhub.mentoring.access import SESSION_LIST_SHOWN, member_organisation_ids, own_session_ids
from learnhub.mentoring.models import (
    ImplementationPlan,
    MentoringSession,
    PartStat,
    PlanAction,
    PlanStatus,
    ProgrammeMentor,
    SessionKind,
    SessionParticipant,
    SessionStatus,
)
from learnhub.people.models import User


@dataclass(frozen=True)
class MentoringOverview:
    next_session: MentoringSession | None
    upcoming: list[MentoringSession]
    awaiting_answer: list[MentoringSession]
    plans_needing_attention: list[ImplementationPlan]
    actions_due: list[PlanAction]


# The overview's session lists, built once with the user and times as parameters: building them took
# about as long as running them.
_VIEWER = bindparam("user_id")


def _coming(*conditions: ColumnElement[bool], limit: int) -> Select:
    """The viewer's scheduled sessions from `now` on that meet `conditions`, soonest first."""
    return (select(MentoringSession)
            .where(MentoringSession.id.in_(own_session_ids(
                _VIEWER, MentoringSession.status == SessionStatus.SCHEDULED,
                MentoringSession.starts_at >= bindparam("now"), *conditions)))
            .order_by(MentoringSession.starts_at).limit(limit).options(*SESSION_LIST_SHOWN))


_THIS_WEEK = _coming(MentoringSession.starts_at < bindparam("week_end"), limit=50)
_NEXT = _coming(limit=1)
_AWAITING_ANSWER = (
    select(MentoringSession).join(SessionParticipant)
    .where(SessionParticipant.user_id == _VIEWER, SessionParticipant.partstat == PartStat.NEEDS_ACTION,
           SessionParticipant.removed_at.is_(None), MentoringSession.kind == SessionKind.GROUP,
           MentoringSession.status == SessionStatus.SCHEDULED, MentoringSession.starts_at >= bindparam("now"))
    .order_by(MentoringSession.starts_at).limit(50).options(*SESSION_LIST_SHOWN))

# Plans of the programmes the user mentors that need them; the list names each plan's organisation: not
# the programme, its members or the plan's actions.
_PLANS_TO_WATCH = (select(ImplementationPlan).where(
    ImplementationPlan.programme_id.in_(select(ProgrammeMentor.programme_id).where(ProgrammeMentor.user_id == _VIEWER)),
    ImplementationPlan.status.in_([PlanStatus.NEEDS_ATTENTION, PlanStatus.DRAFT]))
    .options(lazyload("*"), joinedload(ImplementationPlan.organisation).lazyload("*")))
_ACTIONS_DUE = (select(PlanAction).join(ImplementationPlan).where(
    ImplementationPlan.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
    PlanAction.is_done.is_(False), PlanAction.due_on <= bindparam("due_by")).order_by(PlanAction.due_on))


def next_session(user: User, now: datetime) -> MentoringSession | None:
    """The viewer's next scheduled session, as mentor or participant: one query."""
    return db.session.scalars(_NEXT, {"user_id": user.id, "now": now}).first()


def overview(user: User, now: datetime) -> MentoringOverview:
    """The next session and this week's (as mentor or participant), plans needing attention, actions due soon."""
    when = {"user_id": user.id, "now": now}
    upcoming = db.session.scalars(_THIS_WEEK, when | {"week_end": now + timedelta(days=7)}).all()
    next_session = upcoming[0] if upcoming else db.session.scalars(_NEXT, when).first()
    awaiting = db.session.scalars(_AWAITING_ANSWER, when).all()
    plans = db.session.scalars(_PLANS_TO_WATCH, when).all()
    organisation_ids = member_organisation_ids(user)
    actions = db.session.scalars(_ACTIONS_DUE, {"organisation_ids": organisation_ids,
                                                "due_by": (now + timedelta(days=14)).date()}
                                 ).all() if organisation_ids else []
    return MentoringOverview(next_session, list(upcoming), list(awaiting), list(plans), list(actions))
