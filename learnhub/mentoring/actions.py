"""Which actions a person may take on a mentoring session now.

One set of rules serves both sides: the services call the `check_…` functions to refuse an action,
and the session page offers exactly the actions for which `session_actions` finds no refusal.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from learnhub.errors import Conflict, DomainError, NotFound
from learnhub.extensions import db
from learnhub.i18n import _
from learnhub.mentoring.models import MentoringEvaluation, MentoringSession, PartStat, SessionKind
from learnhub.people.models import Role, User


def _runs(actor: User, session: MentoringSession) -> bool:
    return actor.id == session.mentor_id or actor.has_role(Role.INSTITUTE_ADMIN)


def _is_participant(actor: User, session: MentoringSession) -> bool:
    return any(p.user_id == actor.id for p in session.active_participants)


def _check_still_ahead(session: MentoringSession, now: datetime) -> None:
    if session.is_cancelled:
        raise Conflict(_("This session has been cancelled."))
    if session.starts_at <= now:
        raise Conflict(_("This session has already started."))


def check_can_change(actor: User, session: MentoringSession, now: datetime) -> None:
    """Moving or cancelling: the mentor (or an institute admin), or the mentee of their own 1:1 booking,
    before the session starts. A group session's mentees answer the invitation instead."""
    _check_still_ahead(session, now)
    is_own_booking = session.kind == SessionKind.INDIVIDUAL and _is_participant(actor, session)
    if not _runs(actor, session) and not is_own_booking:
        raise NotFound(_("We could not find that mentoring session."))


def check_can_remove_participant(actor: User, session: MentoringSession, now: datetime) -> None:
    """Only a group session's people are removed one by one, and only while it is still ahead."""
    if not _runs(actor, session) or not session.is_group:
        raise NotFound(_("We could not find that mentoring session."))
    _check_still_ahead(session, now)


def check_can_respond(actor: User, session: MentoringSession, now: datetime) -> None:
    """A group session's invitation is answered; a 1:1 booking is moved or cancelled instead."""
    if not session.is_group or not _is_participant(actor, session):
        raise NotFound(_("We could not find that mentoring session."))
    _check_still_ahead(session, now)


def check_can_record_attendance(actor: User, session: MentoringSession, now: datetime) -> None:
    if not _runs(actor, session):
        raise NotFound(_("We could not find that mentoring session."))
    if session.is_cancelled:
        raise Conflict(_("This session has been cancelled."))
    if session.starts_at > now:
        raise Conflict(_("Attendance can be recorded once the session has started."))


def check_can_download_invitation(session: MentoringSession) -> None:
    """A cancelled session has nothing to add to a calendar (calendars that hold it learn of it by mail
    and through the feed)."""
    if session.is_cancelled:
        raise Conflict(_("This session has been cancelled."))


def _allowed(check, *args) -> bool:
    try:
        check(*args)
    except DomainError:
        return False
    return True


@dataclass(frozen=True)
class SessionActions:
    can_add_to_calendar: bool
    can_respond: bool
    can_accept: bool  # answering "coming": not when the last place is taken by others
    can_move: bool
    can_cancel: bool
    can_remove_participants: bool
    can_record_attendance: bool
    can_evaluate: bool
    can_add_notes: bool


def _has_evaluated(user: User, session: MentoringSession) -> bool:
    return bool(db.session.scalar(select(exists().where(
        MentoringEvaluation.session_id == session.id, MentoringEvaluation.user_id == user.id))))


def session_actions(user: User, session: MentoringSession, now: datetime) -> SessionActions:
    can_change = _allowed(check_can_change, user, session, now)
    can_respond = _allowed(check_can_respond, user, session, now)
    me = next((p for p in session.active_participants if p.user_id == user.id), None)
    is_full = bool(session.capacity) and session.answer_counts[PartStat.ACCEPTED] >= (session.capacity or 0)
    can_evaluate = (me is not None and not session.is_cancelled and session.ends_at <= now
                    and not _has_evaluated(user, session))
    return SessionActions(
        can_add_to_calendar=_allowed(check_can_download_invitation, session),
        can_respond=can_respond,
        can_accept=can_respond and (not is_full or (me is not None and me.partstat == PartStat.ACCEPTED)),
        can_move=can_change, can_cancel=can_change,
        can_remove_participants=_allowed(check_can_remove_participant, user, session, now),
        can_record_attendance=_allowed(check_can_record_attendance, user, session, now),
        can_evaluate=can_evaluate,
        can_add_notes=user.id == session.mentor_id,
    )
