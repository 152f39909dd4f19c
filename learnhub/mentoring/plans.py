"""Session notes and organisations' implementation plans, with their revision history."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.errors import Conflict, InvalidInput, NotFound
from learnhub.extensions import db
from learnhub.i18n import _
from learnhub.locking import locked
from learnhub.mentoring.models import (
    ImplementationPlan,
    MentoringProgramme,
    MentoringSession,
    PlanAction,
    PlanRevision,
    PlanStatus,
    SessionNote,
)
from learnhub.people.models import Organisation, Role, User
from learnhub.timeutil import utcnow


def add_note(mentor: User, session: MentoringSession, body: str, is_shared: bool) -> SessionNote:
    if mentor.id != session.mentor_id:
        raise NotFound(_("We could not find that mentoring session."))
    if not body.strip():
        raise InvalidInput(_("The note is empty."))
    note = SessionNote(session_id=session.id, author_id=mentor.id, body=body.strip()[:20_000], is_shared=is_shared)
    db.session.add(note)
    db.session.flush()
    return note


def notes_for(viewer: User, session: MentoringSession) -> list[SessionNote]:
    statement = select(SessionNote).where(SessionNote.session_id == session.id).order_by(SessionNote.created_at)
    if viewer.id != session.mentor_id:
        statement = statement.where(SessionNote.is_shared.is_(True))  # private notes stay with the mentor
    return list(db.session.scalars(statement))


def plan_for(user: User, programme: MentoringProgramme, organisation_id: int) -> ImplementationPlan:
    """The organisation's plan, or a new unsaved one. Mentors and the organisation's admins may edit it."""
    if not (programme.has_mentor(user) or user.has_role(Role.INSTITUTE_ADMIN) or any(
            m.organisation_id == organisation_id and m.is_org_admin for m in user.memberships)):
        raise NotFound(_("We could not find that implementation plan."))
    if organisation_id not in {o.organisation_id for o in programme.organisations}:
        raise NotFound(_("We could not find that implementation plan."))
    plan = db.session.scalar(select(ImplementationPlan).where(
        ImplementationPlan.programme_id == programme.id, ImplementationPlan.organisation_id == organisation_id))
    if plan is None:  # not added to the session: only saving it writes a row
        plan = ImplementationPlan(programme_id=programme.id, organisation_id=organisation_id, goals="", challenges="",
                                  involvement_strategies="", status=PlanStatus.DRAFT, is_good_practice=False)
        plan.organisation = db.session.get(Organisation, organisation_id)
    return plan


@dataclass(frozen=True)
class ActionInput:
    description: str
    owner: str
    due_on: date
    is_done: bool = False


def plan_version(plan: ImplementationPlan) -> str:
    """Names the saved version of a plan."""
    return plan.updated_at.isoformat() if plan.id is not None else "new"


def update_plan(actor: User, plan: ImplementationPlan, goals: str, challenges: str, strategies: str, status: str,
                actions: list[ActionInput], is_good_practice: bool, based_on: str | None = None) -> None:
    """Save the plan as edited from its version `based_on`: if someone saved another version meanwhile,
    the save is refused rather than overwriting theirs. Without `based_on` the plan is saved as it is."""
    if status not in PlanStatus._value2member_map_:
        raise InvalidInput(_("Please choose a status from the list."))
    if any(not a.description.strip() or not a.owner.strip() for a in actions):
        raise InvalidInput(_("Every action needs a description and an owner."))
    if plan.id is not None:
        plan = locked(ImplementationPlan, plan.id)
    if based_on is not None and plan_version(plan) != based_on:
        raise Conflict(_("Someone else saved this plan while you were editing it. Your changes are not saved yet "
                         "and are still in the form: open the plan in a new tab to see the other changes, then "
                         "save again to keep yours."))
    before = _snapshot(plan) if plan.id is not None else None
    plan.goals, plan.challenges = goals.strip()[:10_000], challenges.strip()[:10_000]
    plan.involvement_strategies, plan.status = strategies.strip()[:10_000], status
    plan.is_good_practice = is_good_practice
    plan.actions = [PlanAction(description=a.description.strip()[:500], owner=a.owner.strip()[:120],
                               due_on=a.due_on, is_done=a.is_done) for a in actions]
    plan.updated_at, plan.updated_by_id = utcnow(), actor.id
    db.session.add(plan)
    db.session.flush()
    after = _snapshot(plan)
    db.session.add(PlanRevision(plan_id=plan.id, changed_by_id=actor.id, snapshot=after))
    audit.record(AuditAction.PLAN_CHANGED, actor, record_type="implementation_plan", record_id=plan.id,
                 before=before, after=after)
    db.session.flush()


def _snapshot(plan: ImplementationPlan) -> dict:
    return {
        "goals": plan.goals, "challenges": plan.challenges, "involvement_strategies": plan.involvement_strategies,
        "status": plan.status, "is_good_practice": plan.is_good_practice,
        "actions": [{"description": a.description, "owner": a.owner, "due_on": a.due_on.isoformat(),
                     "is_done": a.is_done} for a in plan.actions],
    }


def plan_history(plan: ImplementationPlan) -> list[PlanRevision]:
    if plan.id is None:
        return []
    return list(db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan.id)
                                   .order_by(PlanRevision.changed_at.desc(), PlanRevision.id.desc())))


def good_practice(programme: MentoringProgramme) -> list[ImplementationPlan]:
    return list(db.session.scalars(select(ImplementationPlan).where(
        ImplementationPlan.programme_id == programme.id, ImplementationPlan.is_good_practice.is_(True))))
