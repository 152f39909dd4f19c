"""Cohort rules: who may enrol, capacity and waitlist, approvals, attendance, progress and evaluations.

Capacity is guarded by a conditional UPDATE of `cohort.seats_taken` (atomic on every database)
and a CHECK constraint; withdrawals lock the cohort row so promotions never race.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Boolean, Select, Subquery, bindparam, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, lazyload

from learnhub import ical
from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.caching import Topic
from learnhub.courses.models import (
    JOIN_LINK_OPENS_BEFORE,
    Approver,
    Attendance,
    Cohort,
    CohortSession,
    CohortTrainer,
    Enrolment,
    EnrolmentLabels,
    EnrolmentStatus,
    Evaluation,
    PromotionPolicy,
)
from learnhub.curriculum.models import (
    Audience,
    LearningSet,
    LearningSetVersion,
    Module,
    ModuleProgress,
    Titled,
    VersionLanguage,
    VersionServiceType,
    VersionState,
)
from learnhub.dates import format_date
from learnhub.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound, get_or_404
from learnhub.evaluations.services import EvaluationSummary, save_evaluation, summarise_evaluations
from learnhub.extensions import db
from learnhub.i18n import LANGUAGES, _, _l, to_reader_script
from learnhub.locking import added_once, locked
from learnhub.mail.services import external_url, queue_email, site_host
from learnhub.pagination import RowPages, RowPagination, paginate_rows
from learnhub.people.models import Membership, MembershipRole, Municipality, Organisation, Role, ServiceType, User
from learnhub.spreadsheets import csv_bytes
from learnhub.timeutil import is_in_calendar_range, utcnow

ACTIVE_STATUSES = (EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)


# --- loading with access rules ------------------------------------------------------------------

# Trainers are named and checked by id: their roles are never needed. The version's languages and service
# types are read on the pages that show them (one query then, as eagerly), not on every one. A cohort has a
# few trainers and sessions: joined in the same query, rather than one query each. Built once.
_COHORT_SHOWN = (
    joinedload(Cohort.trainers).joinedload(CohortTrainer.user).lazyload(User.roles),
    joinedload(Cohort.sessions),
    joinedload(Cohort.version).options(lazyload(LearningSetVersion.languages),
                                       lazyload(LearningSetVersion.service_types)))


def get_cohort(cohort_id: int) -> Cohort:
    return get_or_404(Cohort, cohort_id, _("We could not find that cohort."), _COHORT_SHOWN)


def cohort_to_enrol(cohort_id: int) -> Cohort:
    """The cohort alone: enrolling reads its own columns, not its trainers, sessions or version."""
    return get_or_404(Cohort, cohort_id, _("We could not find that cohort."), (lazyload("*"),))


def may_manage(actor: User, cohort: Cohort) -> bool:
    """Whether the actor runs the cohort: trains it, or is an institute admin."""
    return actor.has_role(Role.INSTITUTE_ADMIN) or cohort.is_trainer(actor)


def cohort_for_trainer(actor: User, cohort_id: int) -> Cohort:
    """The cohort if `actor` trains it or is an institute admin; 404 for everyone else."""
    cohort = get_cohort(cohort_id)
    if may_manage(actor, cohort):
        return cohort
    raise NotFound(_("We could not find that cohort."))


def cohorts_for_trainer(actor: User, page: int, per_page: int) -> Pagination:
    """The cohorts a trainer runs (every cohort for institute admins, thousands of them), latest first."""
    statement = select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    if not actor.has_role(Role.INSTITUTE_ADMIN):
        statement = statement.join(CohortTrainer).where(CohortTrainer.user_id == actor.id)
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def own_enrolment(user: User, cohort: Cohort) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id))


def _administers(actor: User, organisation_id: int | None) -> bool:
    return organisation_id is not None and any(
        m.organisation_id == organisation_id and m.is_org_admin for m in actor.memberships)


def enrolment_for(actor: User, enrolment_id: int) -> Enrolment:
    """An enrolment the actor may act on: their own, their organisation's, their cohort's, or any for admins."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is not None and (
        enrolment.user_id == actor.id
        or actor.has_role(Role.INSTITUTE_ADMIN)
        or enrolment.cohort.is_trainer(actor)
        or _administers(actor, enrolment.organisation_id)
    ):
        return enrolment
    raise NotFound(_("We could not find that enrolment."))


# --- catalogue ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogueFilter:
    query: str = ""
    service_type: str = ""
    language: str = ""
    municipality_id: int | None = None
    mode: str = ""  # "online", "in_person" or "" for both
    upcoming_only: bool = False

    def args(self) -> dict[str, str | int]:
        """The filters in force, as the catalogue's address carries them (for the pager's links)."""
        values = {"q": self.query, "service_type": self.service_type, "language": self.language,
                  "municipality": self.municipality_id, "mode": self.mode, "upcoming": "1" if self.upcoming_only else ""}
        return {name: value for name, value in values.items() if value}


# What the catalogue and learning-set pages show: kept rendered until one of these tables changes.
PUBLIC_CURRICULUM = Topic("public-curriculum", LearningSet, LearningSetVersion, VersionServiceType,
                          VersionLanguage, Module, Cohort, Municipality)


def catalogue(filters: CatalogueFilter, today: date, page: int = 1, per_page: int = 24) -> Pagination:
    """Published learning sets matching the filters, a page at a time so the page stays light."""
    statement = (
        select(LearningSetVersion)
        .join(LearningSet)
        .where(LearningSetVersion.state == VersionState.PUBLISHED)
        .order_by(LearningSet.slug)
        .options(lazyload(LearningSetVersion.languages))  # the cards name service types, not languages
    )
    if filters.query.strip():
        # Titles and summaries are JSON by language; matching their text covers every language at once.
        pattern = "%" + filters.query.strip().lower().replace("%", "").replace("_", "") + "%"
        statement = statement.where(or_(
            func.lower(db.cast(LearningSetVersion.title, db.Text)).like(pattern),
            func.lower(db.cast(LearningSetVersion.summary, db.Text)).like(pattern),
            LearningSet.slug.like(pattern),
        ))
    if filters.service_type:
        statement = statement.where(exists().where(
            VersionServiceType.version_id == LearningSetVersion.id,
            VersionServiceType.service_type == filters.service_type))
    if filters.language:
        statement = statement.where(exists().where(
            VersionLanguage.version_id == LearningSetVersion.id, VersionLanguage.language == filters.language))
    cohort_conditions = []
    if filters.municipality_id:
        cohort_conditions.append(Cohort.municipality_id == filters.municipality_id)
    if filters.mode:
        cohort_conditions.append(Cohort.is_online.is_(filters.mode == "online"))
    if filters.upcoming_only:
        cohort_conditions.append(Cohort.starts_on >= today)
    if cohort_conditions:
        sibling = aliased(LearningSetVersion)  # cohorts of any version of the same learning set count
        statement = statement.where(exists().where(
            Cohort.version_id == sibling.id, sibling.learning_set_id == LearningSetVersion.learning_set_id,
            *cohort_conditions))
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def upcoming_cohorts(learning_set_id: int, today: date) -> list[Cohort]:
    return list(db.session.scalars(
        select(Cohort).join(LearningSetVersion)
        .where(LearningSetVersion.learning_set_id == learning_set_id, Cohort.ends_on >= today)
        .order_by(Cohort.starts_on)
    ))


# --- cohorts --------------------------------------------------------------------------------------

@dataclass
class CohortDetails:
    name: str
    municipality_id: int | None
    is_online: bool
    language: str
    starts_on: date
    ends_on: date
    capacity: int
    enrolment_opens_at: datetime
    enrolment_closes_at: datetime
    approver: str = Approver.NONE
    promotion_policy: str = PromotionPolicy.FIRST_COME
    allowed_service_types: tuple[str, ...] = ()
    records_perspective: bool = False
    max_share_per_perspective: int | None = None
    auto_issue_certificates: bool = False


def _check_cohort(details: CohortDetails) -> None:
    if not details.name.strip() or len(details.name) > 200:
        raise InvalidInput(_("Please give the cohort a name (up to 200 characters)."))
    if details.ends_on < details.starts_on:
        raise InvalidInput(_("The cohort cannot end before it starts."))
    if details.enrolment_closes_at <= details.enrolment_opens_at:
        raise InvalidInput(_("Enrolment must close after it opens."))
    if not 1 <= details.capacity <= 1000:
        raise InvalidInput(_("Capacity must be between 1 and 1000 places."))
    if details.language not in LANGUAGES:
        raise InvalidInput(_("Please choose languages from the list."))
    if details.approver not in Approver._value2member_map_ or \
            details.promotion_policy not in PromotionPolicy._value2member_map_:
        raise InvalidInput(_("Please choose from the lists."))
    if any(s not in ServiceType._value2member_map_ for s in details.allowed_service_types):
        raise InvalidInput(_("Please choose at least one service type from the list."))
    if details.max_share_per_perspective is not None and not 33 <= details.max_share_per_perspective <= 100:
        # With three perspectives, a smaller share would leave places that no perspective may take.
        raise InvalidInput(_("The largest share of one perspective must be between 33 and 100 percent."))
    if not details.is_online and not details.municipality_id:
        raise InvalidInput(_("An in-person cohort needs a municipality."))
    if details.municipality_id is not None and db.session.get(Municipality, details.municipality_id) is None:
        raise InvalidInput(_("Please choose a municipality from the list."))


def create_cohort(actor: User, version: LearningSetVersion, details: CohortDetails) -> Cohort:
    if version.state != VersionState.PUBLISHED:
        raise Conflict(_("Cohorts can only be offered for a published learning set."))
    _check_cohort(details)
    cohort = Cohort(
        version_id=version.id, name=details.name.strip(), municipality_id=details.municipality_id,
        is_online=details.is_online, language=details.language, starts_on=details.starts_on,
        ends_on=details.ends_on, capacity=details.capacity, enrolment_opens_at=details.enrolment_opens_at,
        enrolment_closes_at=details.enrolment_closes_at, approver=details.approver,
        promotion_policy=details.promotion_policy, allowed_service_types=sorted(details.allowed_service_types),
        records_perspective=details.records_perspective,
        max_share_per_perspective=details.max_share_per_perspective,
        auto_issue_certificates=details.auto_issue_certificates,
        trainers=[CohortTrainer(user_id=actor.id)],
    )
    db.session.add(cohort)
    db.session.flush()
    return cohort


def add_trainer(cohort: Cohort, raw_email: str) -> User:
    """Another trainer joins the cohort (co-facilitation is common in these trainings)."""
    trainer = db.session.scalar(select(User).where(User.email == raw_email.strip().lower()))
    if trainer is None or not trainer.has_role(Role.TRAINER):
        raise InvalidInput(_("There is no trainer with that e-mail address."))
    if cohort.is_trainer(trainer):
        raise Conflict(_("This person already trains the cohort."))
    cohort.trainers.append(CohortTrainer(user_id=trainer.id))
    db.session.flush()
    return trainer


def add_session(cohort: Cohort, starts_at: datetime, ends_at: datetime, place: str, online_url: str) -> CohortSession:
    if ends_at <= starts_at:
        raise InvalidInput(_("A session must end after it starts."))
    if online_url and not online_url.startswith(("https://", "http://")):
        raise InvalidInput(_("The online link must start with https://"))
    if not place.strip() and not online_url:
        raise InvalidInput(_("Please give a place or an online link."))
    session = CohortSession(cohort=cohort, starts_at=starts_at, ends_at=ends_at, place=place.strip()[:300],
                            online_url=online_url.strip()[:500])
    db.session.add(session)
    db.session.flush()
    return session


def move_to_latest_version(cohort: Cohort) -> LearningSetVersion:
    """Trainers move a cohort and its learners to the newest published version (progress is kept per module)."""
    latest = db.session.scalar(select(LearningSetVersion).where(
        LearningSetVersion.learning_set_id == cohort.version.learning_set_id,
        LearningSetVersion.state == VersionState.PUBLISHED))
    if latest is None or latest.id == cohort.version_id:
        raise Conflict(_("This cohort already uses the newest published version."))
    cohort.version_id = latest.id
    db.session.execute(update(Enrolment).where(Enrolment.cohort_id == cohort.id).values(version_id=latest.id))
    db.session.flush()
    return latest


# --- enrolment ------------------------------------------------------------------------------------

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
        cohort.approver == Approver.ORG_ADMIN and not _administers(actor, organisation_id))

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
    if not _administers(actor, organisation.id) and not actor.has_role(Role.INSTITUTE_ADMIN):
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
    if cohort.approver == Approver.ORG_ADMIN and _administers(actor, enrolment.organisation_id):
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


# --- rosters, attendance, exports -------------------------------------------------------------------

@dataclass(frozen=True)
class RosterLine(EnrolmentLabels):
    """A participant as rosters, attendance lists and their exports show them."""

    id: int
    status: str
    perspective: str | None
    name: str
    email: str
    organisation: str | None
    municipality: str | None


# The cohort's active enrolments in roster order: enrolled, waiting for approval, waitlisted.
_RANK = case({EnrolmentStatus.ENROLLED.value: 0, EnrolmentStatus.PENDING.value: 1,
              EnrolmentStatus.WAITLISTED.value: 2}, value=Enrolment.status, else_=3)
_ROSTER = (select(Enrolment.id, Enrolment.status, Enrolment.perspective, Enrolment.user_id,
                  Enrolment.organisation_id, _RANK.label("rank"), Enrolment.created_at)
           .where(Enrolment.cohort_id == bindparam("cohort_id"), Enrolment.status.in_(ACTIVE_STATUSES))
           .order_by(_RANK, Enrolment.created_at, Enrolment.id))


def _roster_columns(rows: Subquery) -> Select:
    # Plain columns: loading the enrolments as objects, with their people and organisations, took
    # several times as long as the rest of the page.
    return (select(rows.c.id, rows.c.status, rows.c.perspective, User.display_name, User.email,
                   Organisation.name, Municipality.name)
            .join(User, User.id == rows.c.user_id)
            .outerjoin(Organisation, Organisation.id == rows.c.organisation_id)
            .outerjoin(Municipality, Municipality.id == Organisation.municipality_id)
            .order_by(rows.c.rank, rows.c.created_at, rows.c.id))


_ROSTER_PAGES = RowPages.of(_ROSTER, _roster_columns)


def roster(cohort: Cohort, page: int, per_page: int) -> RowPagination:
    return paginate_rows(_ROSTER_PAGES, {"cohort_id": cohort.id}, RosterLine, page, per_page)


def roster_line(cohort: Cohort, enrolment_id: int) -> RosterLine:
    rows = _ROSTER.where(Enrolment.id == enrolment_id).subquery()
    row = db.session.execute(_roster_columns(rows), {"cohort_id": cohort.id}).one_or_none()
    if row is None:
        raise NotFound(_("We could not find that participant in this cohort."))
    return RosterLine(*row)


def session_of(cohort: Cohort, session_id: int) -> CohortSession:
    session = db.session.get(CohortSession, session_id)
    if session is None or session.cohort_id != cohort.id:
        raise NotFound(_("We could not find that session."))
    return session


def attendance_marks(session_ids: list[int], enrolment_ids: list[int]) -> dict[tuple[int, int], bool]:
    if not session_ids or not enrolment_ids:
        return {}
    rows = db.session.execute(select(Attendance.session_id, Attendance.enrolment_id, Attendance.is_present).where(
        Attendance.session_id.in_(session_ids), Attendance.enrolment_id.in_(enrolment_ids)))
    return {(s, e): present for s, e, present in rows}


def set_attendance(actor: User, cohort: Cohort, session_id: int, enrolment_ids: list[int], is_present: bool) -> int:
    """Mark one or many enrolled participants present or absent at a session; returns how many."""
    session = session_of(cohort, session_id)
    enrolled = set(db.session.scalars(select(Enrolment.id).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ENROLLED,
        Enrolment.id.in_(enrolment_ids))))
    if not enrolled or len(enrolled) != len(set(enrolment_ids)):
        raise NotFound(_("We could not find that participant in this cohort."))
    existing = {a.enrolment_id: a for a in db.session.scalars(select(Attendance).where(
        Attendance.session_id == session.id, Attendance.enrolment_id.in_(enrolled)))}
    changed = {e: existing[e].is_present if e in existing else None for e in enrolled
               if e not in existing or existing[e].is_present != is_present}
    for enrolment_id in enrolled:
        mark = existing.get(enrolment_id) or Attendance(session_id=session.id, enrolment_id=enrolment_id)
        mark.is_present, mark.recorded_by_id, mark.recorded_at = is_present, actor.id, utcnow()
        db.session.add(mark)
    if changed:
        # One entry per edit: enrolment id -> mark (None: not yet recorded).
        audit.record(AuditAction.ATTENDANCE_CHANGED, actor, record_type="cohort_session", record_id=session.id,
                     before={"marks": {str(e): mark for e, mark in sorted(changed.items())}},
                     after={"marks": {str(e): is_present for e in sorted(changed)}})
    db.session.flush()
    return len(enrolled)


def enrolled_ids(cohort: Cohort) -> list[int]:
    return list(db.session.scalars(select(Enrolment.id).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ENROLLED)))


def _all_roster_lines(cohort: Cohort) -> list[RosterLine]:
    return [RosterLine(*row) for row in db.session.execute(_roster_columns(_ROSTER.subquery()),
                                                           {"cohort_id": cohort.id})]


def roster_csv(cohort: Cohort) -> bytes:
    return csv_bytes([_("Name"), _("E-mail"), _("Organisation"), _("Municipality"), _("Perspective"), _("Status")],
                     [[line.name, line.email, line.organisation or "", line.municipality or "", line.perspective_label,
                       line.status_label] for line in _all_roster_lines(cohort)])


def attendance_csv(cohort: Cohort, format_session) -> bytes:
    lines = [line for line in _all_roster_lines(cohort) if line.holds_seat]
    marks = attendance_marks([s.id for s in cohort.sessions], [line.id for line in lines])

    def mark_text(session: CohortSession, line) -> str:
        mark = marks.get((session.id, line.id))
        return "" if mark is None else (_("present") if mark else _("absent"))

    return csv_bytes([_("Name"), _("Organisation")] + [format_session(s) for s in cohort.sessions],
                     [[line.name, line.organisation or ""] + [mark_text(session, line) for session in cohort.sessions]
                      for line in lines])


def cohort_calendar(cohort: Cohort, now: datetime) -> bytes:
    host = site_host()
    name = to_reader_script(f"{cohort.version.display_title}: {cohort.name}")
    url = external_url("courses.cohort", cohort_id=cohort.id)
    events = [ical.CalendarEvent(uid=f"cohort-session-{s.id}@{host}", sequence=0, starts_at=s.starts_at,
                                 ends_at=s.ends_at, summary=name, description="", location=s.place or s.online_url,
                                 url=url, time_zone=current_app.config["LEARNHUB_TIMEZONE"])
              for s in cohort.sessions if is_in_calendar_range(s.starts_at) and is_in_calendar_range(s.ends_at)]
    return ical.to_bytes(ical.feed(events, name, now))


# --- learners --------------------------------------------------------------------------------------

def is_learning_version(user: User, version_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        Enrolment.user_id == user.id, Enrolment.version_id == version_id,
        Enrolment.status == EnrolmentStatus.ENROLLED))))


def can_read_version(user: User, version: LearningSetVersion) -> bool:
    return user.has_role(Role.TRAINER, Role.INSTITUTE_ADMIN) or is_learning_version(user, version.id)


def mark_module_complete(user: User, module: Module) -> None:
    if not is_learning_version(user, module.version_id):
        raise NotFound(_("We could not find that module."))
    if not db.session.scalar(select(exists().where(
            ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id))):
        # marked at the same moment (a double tap on a slow phone): complete either way
        added_once(ModuleProgress(user_id=user.id, module_id=module.id))


@dataclass(frozen=True)
class ModuleLink(Titled):
    slug: str
    title: dict[str, str]
    is_done: bool = False


@dataclass(frozen=True)
class LearningItem(EnrolmentLabels, Titled):
    """One enrolment on the learner's page, read as the columns the page shows: loading the enrolments
    as objects, with their cohorts, versions and modules, took several times as long."""

    enrolment_id: int
    status: EnrolmentStatus
    cohort_id: int
    cohort_name: str
    version_id: int
    title: dict[str, str]
    modules: list[ModuleLink]
    modules_done: int
    next_session_at: datetime | None
    join_url: str | None  # the online link of a session about to start or running now
    evaluation_opens_on: date  # the cohort's last day
    is_evaluation_open: bool

    @property
    def modules_total(self) -> int:
        return len(self.modules)

    @property
    def percent(self) -> int:
        return round(100 * self.modules_done / self.modules_total) if self.modules_total else 0

    @property
    def next_module(self) -> ModuleLink | None:
        """The first module not yet completed, where "Continue" leads."""
        return next((module for module in self.modules if not module.is_done), None)


# Built once, with the learner and the time as parameters: building these took as long as running them.
_LEARNER = bindparam("user_id")
_MY_ENROLMENTS = (
    select(Enrolment.id, Enrolment.status, Enrolment.cohort_id, Cohort.name, Enrolment.version_id,
           LearningSetVersion.title,
           select(func.count()).select_from(ModuleProgress).join(Module)
           .where(ModuleProgress.user_id == _LEARNER, Module.version_id == Enrolment.version_id).scalar_subquery(),
           select(func.min(CohortSession.starts_at))
           .where(CohortSession.cohort_id == Enrolment.cohort_id, CohortSession.starts_at >= bindparam("now"))
           .scalar_subquery(),
           select(CohortSession.online_url)
           .where(CohortSession.cohort_id == Enrolment.cohort_id, CohortSession.online_url != "",
                  CohortSession.starts_at <= bindparam("join_opens"), CohortSession.ends_at > bindparam("now"))
           .order_by(CohortSession.starts_at).limit(1)
           .scalar_subquery(), Cohort.ends_on)
    .join(Cohort, Cohort.id == Enrolment.cohort_id)
    .join(LearningSetVersion, LearningSetVersion.id == Enrolment.version_id)
    .where(Enrolment.user_id == _LEARNER, Enrolment.status.in_(ACTIVE_STATUSES))
    .order_by(Enrolment.created_at.desc(), Enrolment.id.desc()))
_MODULES_OF_VERSIONS = (select(Module.version_id, Module.slug, Module.title,
                               exists().where(ModuleProgress.module_id == Module.id,
                                              ModuleProgress.user_id == _LEARNER))
                        .where(Module.version_id.in_(bindparam("version_ids", expanding=True)))
                        .order_by(Module.position))


def my_learning(user: User, now: datetime) -> list[LearningItem]:
    """The learner's active enrolments, newest first, with progress and next session: two queries."""
    rows = db.session.execute(_MY_ENROLMENTS, {"user_id": user.id, "now": now,
                                               "join_opens": now + JOIN_LINK_OPENS_BEFORE}).all()
    modules: dict[int, list[ModuleLink]] = {row.version_id: [] for row in rows}
    if modules:
        for version_id, slug, title, is_done in db.session.execute(
                _MODULES_OF_VERSIONS, {"version_ids": list(modules), "user_id": user.id}):
            modules[version_id].append(ModuleLink(slug, title, bool(is_done)))
    return [LearningItem(*row[:6], modules[row.version_id], *row[6:], is_evaluation_open=now.date() >= row.ends_on)
            for row in rows]


# --- evaluations -----------------------------------------------------------------------------------

def submit_evaluation(user: User, cohort: Cohort, ratings: dict[str, int], comment: str, today: date) -> Evaluation:
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ENROLLED))
    if enrolment is None:
        raise NotFound(_("We could not find that cohort."))
    if not cohort.is_evaluation_open(today):
        raise Conflict(_("Evaluation opens on %(date)s.", date=format_date(cohort.evaluation_opens_on, relative=True)))
    return save_evaluation(Evaluation(cohort_id=cohort.id, user_id=user.id), ratings, comment)


def evaluation_summary(cohort: Cohort) -> EvaluationSummary:
    return summarise_evaluations(Evaluation, "cohort_id", cohort.id)
