"""Admission to cohorts, enrolment without overbooking: seats, waitlists and their order, Trialogue perspective shares,
approvals by organisation admins or trainers, withdrawal and what it frees, and the mail each step sends.

Capacity is guarded by a conditional UPDATE of `cohort.seats_taken` (atomic on every database)
and a CHECK constraint; withdrawals lock the cohort row so promotions never race.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Boolean, Select, Subquery, bindparam, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.courses.models import (
    Approver,
    Cohort,
    CohortTrainer,
    Enrolment,
    EnrolmentLabels,
    EnrolmentStatus,
    PromotionPolicy,
)
from learnhub.courses.services import ACTIVE_STATUSES, administers, may_manage
from learnhub.curriculum.models import Audience
from learnhub.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from learnhub.extensions import db
from learnhub.i18n import _, _l
from learnhub.locking import locked
from learnhub.mail.services import queue_email
from learnhub.pagination import RowPages, RowPagination, paginate_rows
from learnhub.people.models import Membership, MembershipRole, Organisation, Role, ServiceType, User
from learnhub.timeutil import utcnow


def _take_seat(cohort_id: int) -> bool:
    """Atomically claim a place; False when the cohort is full."""
    result = db.session.execute(
        update(Cohort).where(Cohort.id == cohort_id, Cohort.seats_taken < Cohort.capacity)
        .values(seats_taken=Cohort.seats_taken + 1).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_seat(cohort_id: int) -> None:
    db.session.execute(
        update(Cohort).where(Cohort.id == cohort_id, Cohort.seats_taken > 0)
        .values(seats_taken=Cohort.seats_taken - 1).execution_options(synchronize_session=False)
    )


# Lazy, so each subject is translated in the recipient's language when the mail is rendered.
SUBJECTS = {
    EnrolmentStatus.ENROLLED: lambda name: _l("You have a place in %(cohort)s", cohort=name),
    EnrolmentStatus.WAITLISTED: lambda name: _l("You are on the waitlist for %(cohort)s", cohort=name),
    EnrolmentStatus.PENDING: lambda name: _l("Your enrolment in %(cohort)s is waiting for approval", cohort=name),
    EnrolmentStatus.REJECTED: lambda name: _l("Your enrolment in %(cohort)s was not accepted", cohort=name),
    EnrolmentStatus.WITHDRAWN: lambda name: _l("You have left %(cohort)s", cohort=name),
}


def _notify(enrolment: Enrolment, approved: bool = False) -> None:
    participant = enrolment.user
    status = EnrolmentStatus(enrolment.status)
    cohort = enrolment.cohort
    waits = waiting(enrolment).mail_values() if status == EnrolmentStatus.WAITLISTED else {"position": None}
    queue_email(participant.email, participant.preferred_language, "enrolment_update",
                SUBJECTS[status](cohort.name), time_zone=participant.time_zone, name=participant.display_name,
                cohort={"id": cohort.id, "name": cohort.name, "starts_on": cohort.starts_on, "ends_on": cohort.ends_on},
                status=status.value, reason=enrolment.reason, approved=approved, **waits)


def _organisation_for(cohort: Cohort, participant: User) -> int | None:
    """The participant's organisation that may take part; wrong audience is refused."""
    organisations = [m.organisation for m in participant.memberships]
    if not cohort.allowed_service_types:
        return organisations[0].id if organisations else None
    for organisation in organisations:
        if set(organisation.service_types) & set(cohort.allowed_service_types):
            return organisation.id
    names = ", ".join(ServiceType(s).label for s in cohort.allowed_service_types)
    raise InvalidInput(_("This cohort is only for staff of these services: %(services)s.", services=names))


@dataclass(frozen=True)
class PerspectiveShare:
    """How many places one perspective may hold: each `base`, and `extras` of them one more, so that
    the shares add up to the places (largest remainder: the perspectives' remainders are equal, so the
    extra places go to the first perspectives that need them)."""

    base: int
    extras: int

    def _extra_free(self, held: Counter) -> bool:
        return sum(1 for perspective in Audience if held[perspective] > self.base) < self.extras

    def places_left(self, held: Counter, perspective: str) -> int:
        """Places this perspective may still take, the cohort's free places aside."""
        allowed = self.base + (1 if held[perspective] > self.base or self._extra_free(held) else 0)
        return max(0, allowed - held[perspective])

    def may_take(self, held: Counter, perspective: str | None) -> bool:
        return self.places_left(held, perspective) > 0


def perspective_share(cohort: Cohort) -> PerspectiveShare | None:
    """The places each perspective may hold in a Trialogue cohort with a largest share; None without one.
    A share below a third (allowed once) would leave places no perspective may take: it counts as a third."""
    if not (cohort.records_perspective and cohort.max_share_per_perspective):
        return None
    perspectives = len(Audience)
    # The quota, times 100 × perspectives so it stays a whole number: the larger of the share and 1/perspectives.
    quota = max(cohort.capacity * cohort.max_share_per_perspective * perspectives, cohort.capacity * 100)
    base = quota // (100 * perspectives)
    return PerspectiveShare(base, max(0, cohort.capacity - perspectives * base))


def _places_by_perspective(cohort: Cohort) -> Counter:
    """Places held per perspective."""
    return Counter(dict(db.session.execute(
        select(Enrolment.perspective, func.count()).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .group_by(Enrolment.perspective)).all()))


@dataclass(frozen=True)
class PerspectivePlaces:
    perspective: str
    places_left: int  # what this perspective may still take of the cohort's free places

    @property
    def label(self) -> str:
        return Audience(self.perspective).label


def places_for_perspectives(cohort: Cohort) -> list[PerspectivePlaces]:
    """Who can still take a place in a Trialogue cohort with shares (nothing for other cohorts)."""
    share = perspective_share(cohort)
    if share is None:
        return []
    held = _places_by_perspective(cohort)
    return [PerspectivePlaces(p.value, min(cohort.seats_left, share.places_left(held, p))) for p in Audience]


def _check_perspective(cohort: Cohort, perspective: str | None) -> str | None:
    if not cohort.records_perspective:
        return None
    if perspective not in Audience._value2member_map_:
        raise InvalidInput(_("Please say from which perspective you take part."))
    return perspective


def enrol(actor: User, cohort: Cohort, participant: User, perspective: str | None = None,
          now: datetime | None = None) -> Enrolment:
    """Self-enrolment, or an org admin enrolling a member. Full cohorts put people on the waitlist.

    A refusal can leave seats or rows half-written: the caller rolls back (the error handler does) or
    calls this inside a savepoint.
    """
    now = now or utcnow()
    if not cohort.enrolment_opens_at <= now <= cohort.enrolment_closes_at:
        raise Conflict(_("Enrolment for this cohort is not open now."))
    organisation_id = _organisation_for(cohort, participant)
    perspective = _check_perspective(cohort, perspective)
    needs_approval = cohort.approver == Approver.TRAINER or (
        cohort.approver == Approver.ORG_ADMIN and not administers(actor, organisation_id))

    # An earlier enrolment's status is all that is read: not its cohort (at hand) with trainers and version.
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.cohort_id == cohort.id, Enrolment.user_id == participant.id).options(lazyload("*")))
    if enrolment is not None and enrolment.status in ACTIVE_STATUSES:
        raise Conflict(_("You are already enrolled in this cohort or on its waitlist."))
    if enrolment is not None and enrolment.status == EnrolmentStatus.REJECTED:
        raise Conflict(_("Your enrolment in this cohort was not accepted. Please contact the trainer."))
    # The seat (when no approval is needed) is taken first, then the row is written once, with its
    # final status. The same person enrolling twice at the same moment fails on the unique constraint;
    # the refusal undoes the seat with the rest of the caller's transaction or savepoint.
    status = EnrolmentStatus.PENDING if needs_approval else _seat_or_waitlist(cohort, perspective)
    if enrolment is None:
        enrolment = Enrolment(cohort_id=cohort.id, user_id=participant.id)
    enrolment.organisation_id, enrolment.version_id = organisation_id, cohort.version_id
    enrolment.perspective, enrolment.enrolled_by_id = perspective, actor.id
    enrolment.created_at, enrolment.reason, enrolment.status = now, "", status
    if not needs_approval:
        enrolment.decided_at = utcnow()
    # Added once complete: reading an expired attribute above (actor.id) would otherwise flush a new
    # row without its status.
    db.session.add(enrolment)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("You are already enrolled in this cohort or on its waitlist.")) from error
    _notify(enrolment)
    if needs_approval:
        _ask_approvers(enrolment)
    return enrolment


def _seat_or_waitlist(cohort: Cohort, perspective: str | None) -> EnrolmentStatus:
    """A place when the cohort has one and the perspective may take it; otherwise the waitlist."""
    share = perspective_share(cohort)
    if share is not None:
        # Counting and taking must not interleave with another enrolment in this cohort; cohorts
        # without a share keep enrolling in parallel (places are taken by a conditional UPDATE).
        locked(Cohort, cohort.id)
        if not share.may_take(_places_by_perspective(cohort), perspective):
            return EnrolmentStatus.WAITLISTED
    return EnrolmentStatus.ENROLLED if _take_seat(cohort.id) else EnrolmentStatus.WAITLISTED


def _place(enrolment: Enrolment) -> None:
    enrolment.status = _seat_or_waitlist(enrolment.cohort, enrolment.perspective)
    enrolment.decided_at = utcnow()
    db.session.flush()


@dataclass(frozen=True)
class BulkResult:
    user: User
    enrolment: Enrolment | None
    problem: str = ""


def enrol_members(actor: User, cohort: Cohort, organisation: Organisation, user_ids: list[int],
                  perspectives: dict[int, str] | None = None) -> list[BulkResult]:
    """An org admin enrols several members at once, each from the perspective chosen for them (by user id)
    in a Trialogue cohort; each person succeeds or fails on their own."""
    if not administers(actor, organisation.id) and not actor.has_role(Role.INSTITUTE_ADMIN):
        raise NotFound(_("We could not find that organisation."))
    members = list(db.session.scalars(select(User).join(Membership).where(
        Membership.organisation_id == organisation.id, User.id.in_(user_ids))))
    if not members:
        raise InvalidInput(_("Please choose at least one member."))
    results = []
    for member in members:
        perspective = (perspectives or {}).get(member.id) or None
        if cohort.records_perspective and perspective not in Audience._value2member_map_:
            results.append(BulkResult(member, None, _("Please choose the perspective from which this member takes part.")))
            continue
        try:
            with db.session.begin_nested():
                results.append(BulkResult(member, enrol(actor, cohort, member, perspective)))
        except DomainError as error:
            results.append(BulkResult(member, None, error.message))
    return results


def waitlist_position(enrolment: Enrolment) -> int:
    """Where the person stands among those waiting, by when they enrolled."""
    return db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.cohort_id == enrolment.cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED,
        or_(Enrolment.created_at < enrolment.created_at,
            (Enrolment.created_at == enrolment.created_at) & (Enrolment.id <= enrolment.id))))


@dataclass(frozen=True)
class Waiting:
    """What a person on the waitlist is told: why they wait, and their position only where it says when
    their turn comes (first come, first served without perspective shares: otherwise the next place
    goes to whoever's organisation, municipality or perspective it suits, wherever they stand)."""

    position: int | None
    for_perspective: bool  # their perspective has its share; the cohort may have free places
    policy: str  # a PromotionPolicy value
    is_balanced: bool  # perspectives have shares

    def mail_values(self) -> dict[str, object]:
        return {"position": self.position, "for_perspective": self.for_perspective, "policy": self.policy,
                "balanced": self.is_balanced}


def waiting(enrolment: Enrolment) -> Waiting:
    cohort = enrolment.cohort
    share = perspective_share(cohort)
    for_perspective = share is not None and not share.may_take(_places_by_perspective(cohort), enrolment.perspective)
    in_order = cohort.promotion_policy == PromotionPolicy.FIRST_COME and share is None
    return Waiting(waitlist_position(enrolment) if in_order else None, for_perspective, cohort.promotion_policy,
                   share is not None)


def _next_in_line(cohort: Cohort) -> Enrolment | None:
    waiting = list(db.session.scalars(
        select(Enrolment).options(joinedload(Enrolment.organisation))
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.created_at, Enrolment.id)))
    share = perspective_share(cohort)
    if share is not None and waiting:
        # Someone whose perspective already has its share keeps waiting; the place goes to the next.
        places = _places_by_perspective(cohort)
        waiting = [enrolment for enrolment in waiting if share.may_take(places, enrolment.perspective)]
    if not waiting or cohort.promotion_policy == PromotionPolicy.FIRST_COME:
        return waiting[0] if waiting else None
    # Fair shares: the first waiting person from the group with the fewest places so far.
    by_municipality = cohort.promotion_policy == PromotionPolicy.FAIR_BY_MUNICIPALITY
    group_column = Organisation.municipality_id if by_municipality else Enrolment.organisation_id
    counts = Counter(dict(db.session.execute(
        select(group_column, func.count()).select_from(Enrolment)
        .outerjoin(Organisation, Organisation.id == Enrolment.organisation_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .group_by(group_column)).all()))

    def group(enrolment: Enrolment):
        if by_municipality:
            return enrolment.organisation.municipality_id if enrolment.organisation else None
        return enrolment.organisation_id

    return min(waiting, key=lambda e: counts[group(e)])  # min() keeps the earliest among equals


def _fill_free_places(cohort: Cohort, today: date) -> list[Enrolment]:
    """Free places go to those waiting, in the cohort's order, until it is full or nobody waiting may
    take one (their perspective has its share); never once the cohort has started."""
    promoted = []
    while cohort.starts_on > today and (candidate := _next_in_line(cohort)) is not None and _take_seat(cohort.id):
        candidate.status, candidate.decided_at = EnrolmentStatus.ENROLLED, utcnow()
        _audit_decision(AuditAction.ENROLMENT_PROMOTED, None, candidate, EnrolmentStatus.WAITLISTED)
        db.session.flush()
        _notify(candidate)
        promoted.append(candidate)
    return promoted


def _audit_decision(action: AuditAction, actor: User | None, enrolment: Enrolment, before: str) -> None:
    audit.record(action, actor, subject_user_id=enrolment.user_id, record_type="enrolment", record_id=enrolment.id,
                 before={"status": before}, after={"status": enrolment.status, "cohort_id": enrolment.cohort_id})


def withdraw(actor: User, enrolment: Enrolment, reason: str, today: date | None = None) -> list[Enrolment]:
    """Leave a cohort; returns whoever the waitlist promoted as a result (into the freed place)."""
    cohort = locked(Cohort, enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.status not in ACTIVE_STATUSES:
        raise Conflict(_("This enrolment has already ended."))
    held_seat, before = enrolment.holds_seat, enrolment.status
    enrolment.status, enrolment.reason, enrolment.decided_at = EnrolmentStatus.WITHDRAWN, reason.strip()[:1000], utcnow()
    _audit_decision(AuditAction.ENROLMENT_WITHDRAWN, actor, enrolment, before)
    db.session.flush()
    _notify(enrolment)
    if held_seat:
        _release_seat(cohort.id)
    return _after_leaving(cohort, before, today or utcnow().date())


def _after_leaving(cohort: Cohort, status: str, today: date) -> list[Enrolment]:
    """Someone left with `status`: a place they held (and their perspective's share of it) may now go
    to someone waiting."""
    if status == EnrolmentStatus.ENROLLED:
        return _fill_free_places(cohort, today)
    return []


def _check_decider(actor: User, enrolment: Enrolment) -> None:
    cohort = enrolment.cohort
    if may_manage(actor, cohort):
        return
    if cohort.approver == Approver.ORG_ADMIN and administers(actor, enrolment.organisation_id):
        return
    raise NotAllowed(_("Only the cohort's trainer or the participant's organisation admin can decide this."))


def approve(actor: User, enrolment: Enrolment) -> Waiting | None:
    """Give the place asked for, or a place on the waitlist when the cohort or the person's perspective
    has none: then returns what they wait for."""
    _check_decider(actor, enrolment)
    locked(Cohort, enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.status != EnrolmentStatus.PENDING:
        raise Conflict(_("Only enrolments waiting for approval can be approved."))
    _place(enrolment)
    _audit_decision(AuditAction.ENROLMENT_APPROVED, actor, enrolment, EnrolmentStatus.PENDING)
    _notify(enrolment, approved=True)
    return waiting(enrolment) if enrolment.status == EnrolmentStatus.WAITLISTED else None


def reject(actor: User, enrolment: Enrolment, reason: str) -> None:
    _check_decider(actor, enrolment)
    if not reason.strip():
        raise InvalidInput(_("Please give a reason, so the person knows why."))
    cohort = locked(Cohort, enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.status not in (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED):
        raise Conflict(_("Only enrolments waiting for approval or on the waitlist can be rejected."))
    before = enrolment.status
    enrolment.status, enrolment.reason, enrolment.decided_at = EnrolmentStatus.REJECTED, reason.strip()[:1000], utcnow()
    _audit_decision(AuditAction.ENROLMENT_REJECTED, actor, enrolment, before)
    db.session.flush()
    _notify(enrolment)
    _after_leaving(cohort, before, utcnow().date())


# --- approvals -----------------------------------------------------------------------------------------

def may_approve(actor: User) -> bool:
    """Trainers, institute admins and organisation admins may be asked to approve enrolments."""
    return actor.has_role(Role.TRAINER, Role.INSTITUTE_ADMIN) or any(m.is_org_admin for m in actor.memberships)


def _approvers(enrolment: Enrolment) -> list[User]:
    """Who the cohort asks to decide: the participant's organisation admins where they approve (the
    trainers when the organisation has none), otherwise the trainers."""
    cohort = enrolment.cohort
    if cohort.approver == Approver.ORG_ADMIN and enrolment.organisation_id is not None:
        admins = list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.organisation_id == enrolment.organisation_id, Membership.role == MembershipRole.ORG_ADMIN,
            User.is_active_account, User.erased_at.is_(None)).options(lazyload("*"))))
        if admins:
            return admins
    return list(db.session.scalars(select(User).join(CohortTrainer, CohortTrainer.user_id == User.id).where(
        CohortTrainer.cohort_id == cohort.id, User.is_active_account, User.erased_at.is_(None))
        .options(lazyload("*"))))


def _ask_approvers(enrolment: Enrolment) -> None:
    """Mail each approver, in their language and time zone, that someone waits for their decision."""
    participant, cohort = enrolment.user, enrolment.cohort
    organisation = db.session.get(Organisation, enrolment.organisation_id) if enrolment.organisation_id else None
    for approver in _approvers(enrolment):
        queue_email(approver.email, approver.preferred_language, "enrolment_to_approve",
                    _l("%(name)s waits for your approval in %(cohort)s", name=participant.display_name,
                       cohort=cohort.name),
                    time_zone=approver.time_zone, name=approver.display_name, participant=participant.display_name,
                    organisation=organisation.name if organisation else None, asked_at=enrolment.created_at,
                    cohort={"id": cohort.id, "name": cohort.name, "starts_on": cohort.starts_on,
                            "ends_on": cohort.ends_on, "seats_left": cohort.seats_left})


# Enrolments waiting for approval that the actor is asked to decide: institute admins all of them;
# organisation admins their members' where the cohort has them approve; trainers those in cohorts they
# train where the trainer approves, or where the participant's organisation has no admin to do it.
_ORGANISATION_HAS_ADMIN = exists().where(Membership.organisation_id == Enrolment.organisation_id,
                                         Membership.role == MembershipRole.ORG_ADMIN)
_TRAINS = exists().where(CohortTrainer.cohort_id == Enrolment.cohort_id,
                         CohortTrainer.user_id == bindparam("actor_id"))
_AWAITING = (
    select(Enrolment.id, Enrolment.user_id, Enrolment.organisation_id, Enrolment.cohort_id, Enrolment.perspective,
           Enrolment.created_at)
    .join(Cohort, Cohort.id == Enrolment.cohort_id)
    .where(Enrolment.status == EnrolmentStatus.PENDING, or_(
        bindparam("everyone", type_=Boolean),
        (Cohort.approver == Approver.ORG_ADMIN.value)
        & Enrolment.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
        _TRAINS & or_(Cohort.approver == Approver.TRAINER.value,
                      (Cohort.approver == Approver.ORG_ADMIN.value) & ~_ORGANISATION_HAS_ADMIN)))
    .order_by(Enrolment.created_at, Enrolment.id))


def _awaiting_columns(rows: Subquery) -> Select:
    return (select(rows.c.id, User.display_name, User.email, Organisation.name, rows.c.perspective,
                   rows.c.created_at, Cohort.id, Cohort.name, Cohort.starts_on, Cohort.capacity - Cohort.seats_taken)
            .join(User, User.id == rows.c.user_id)
            .join(Cohort, Cohort.id == rows.c.cohort_id)
            .outerjoin(Organisation, Organisation.id == rows.c.organisation_id)
            .order_by(rows.c.created_at, rows.c.id))


_AWAITING_PAGES = RowPages.of(_AWAITING, _awaiting_columns)


@dataclass(frozen=True)
class AwaitedDecision(EnrolmentLabels):
    """An enrolment waiting for approval, as the approvals page shows it."""

    id: int
    name: str
    email: str
    organisation: str | None
    perspective: str | None
    asked_at: datetime
    cohort_id: int
    cohort_name: str
    starts_on: date
    seats_left: int
    status: str = EnrolmentStatus.PENDING


def _decider(actor: User) -> dict[str, object]:
    if not may_approve(actor):
        raise NotAllowed(_("Only trainers and organisation admins approve enrolments."))
    return {"everyone": actor.has_role(Role.INSTITUTE_ADMIN), "actor_id": actor.id,
            "organisation_ids": [m.organisation_id for m in actor.memberships if m.is_org_admin]}


def awaiting_decision(actor: User, page: int, per_page: int) -> RowPagination:
    """Enrolments waiting for the actor's approval, oldest first."""
    return paginate_rows(_AWAITING_PAGES, _decider(actor), AwaitedDecision, page, per_page)


def count_awaiting_decision(actor: User) -> int:
    return db.session.scalar(_AWAITING_PAGES.count, _decider(actor))
