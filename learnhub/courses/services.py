"""Cohorts and what learners see: loading with access rules, the catalogue, cohorts and their sessions,
learners' modules and progress, evaluations. Enrolment is in admission.py, rosters and attendance in roster.py.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import bindparam, exists, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload, lazyload

from learnhub.caching import Topic
from learnhub.courses.models import (
    JOIN_LINK_OPENS_BEFORE,
    Approver,
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
from learnhub.errors import Conflict, InvalidInput, NotFound, get_or_404
from learnhub.evaluations.services import EvaluationSummary, save_evaluation, summarise_evaluations
from learnhub.extensions import db
from learnhub.i18n import LANGUAGES, _
from learnhub.locking import added_once
from learnhub.people.models import Municipality, Role, ServiceType, User

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


def administers(actor: User, organisation_id: int | None) -> bool:
    return organisation_id is not None and any(
        m.organisation_id == organisation_id and m.is_org_admin for m in actor.memberships)


def enrolment_for(actor: User, enrolment_id: int) -> Enrolment:
    """An enrolment the actor may act on: their own, their organisation's, their cohort's, or any for admins."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is not None and (
        enrolment.user_id == actor.id
        or actor.has_role(Role.INSTITUTE_ADMIN)
        or enrolment.cohort.is_trainer(actor)
        or administers(actor, enrolment.organisation_id)
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
