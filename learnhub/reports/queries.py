"""Read-only aggregate selects behind the reports.

Every function is one GROUP BY query whatever the number of rows, so a dashboard over
50,000 enrolments costs the same handful of queries as one over fifty. Grouping by
municipality or service type follows the participant's organisation, so a person who
took part for two organisations appears in both rows but once in the totals.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    Float,
    Select,
    SQLColumnExpression,
    String,
    and_,
    case,
    distinct,
    exists,
    false,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, Label

from learnhub.certification.models import Certificate
from learnhub.courses.models import (
    Attendance,
    Cohort,
    CohortSession,
    CohortTrainer,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
)
from learnhub.curriculum.models import LearningSetVersion
from learnhub.evaluations.models import EvaluationRatings
from learnhub.extensions import db
from learnhub.mentoring.models import (
    MentoringEvaluation,
    MentoringProgramme,
    MentoringSession,
    ProgrammeMentee,
    ProgrammeMentor,
    ProgrammeOrganisation,
    SessionKind,
    SessionParticipant,
    SessionStatus,
)
from learnhub.people.models import Membership, Organisation, OrganisationService
from learnhub.reports.scope import ReportFilter, ReportScope, ScopeKind
from learnhub.timeutil import end_of_day

EXPIRING_WITHIN = timedelta(days=60)
R = TypeVar("R")


class year_month(FunctionElement):
    """'2025-03' for a date or timestamp, on PostgreSQL and SQLite alike."""

    type = String()
    inherit_cache = True


@compiles(year_month)
def _year_month_postgresql(element, compiler, **kw) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(year_month, "sqlite")
def _year_month_sqlite(element, compiler, **kw) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


class seconds_between(FunctionElement):
    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def _count_if(condition: SQLColumnExpression) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _distinct_if(condition: SQLColumnExpression, column: SQLColumnExpression) -> ColumnElement:
    return func.count(distinct(case((condition, column))))


def _period(column: QueryableAttribute[date] | QueryableAttribute[datetime],
            filters: ReportFilter) -> list[ColumnElement[bool]]:
    """Conditions keeping `column` (a date or a UTC timestamp) inside the chosen days."""
    as_date = isinstance(column.type, db.Date)
    conditions = []
    if filters.since:
        conditions.append(column >= (filters.since if as_date else datetime.combine(filters.since, time())))
    if filters.until:
        conditions.append(column <= (filters.until if as_date else end_of_day(filters.until)))
    return conditions


def _programme_participant(organisation_id: SQLColumnExpression, user_id: SQLColumnExpression,
                           programme_ids) -> ColumnElement[bool]:
    """Members of the programmes' organisations, and their individual mentees."""
    return or_(
        organisation_id.in_(select(ProgrammeOrganisation.organisation_id)
                            .where(ProgrammeOrganisation.programme_id.in_(programme_ids))),
        user_id.in_(select(ProgrammeMentee.user_id).where(ProgrammeMentee.programme_id.in_(programme_ids))),
    )


def _mentor_programmes(mentor_id: int):
    return select(ProgrammeMentor.programme_id).where(ProgrammeMentor.user_id == mentor_id)


def reportable_organisations(scope: ReportScope) -> Select:
    """The ids of the organisations a (non-institute) scope may name: its own, those of its cohorts'
    participants, those in its mentoring programmes."""
    if scope.kind is ScopeKind.ORGANISATION:
        return select(Organisation.id).where(Organisation.id == scope.subject_id)
    if scope.kind is ScopeKind.TRAINER:
        return select(Enrolment.organisation_id).join(CohortTrainer, CohortTrainer.cohort_id == Enrolment.cohort_id) \
            .where(CohortTrainer.user_id == scope.subject_id)
    return select(ProgrammeOrganisation.organisation_id).where(
        ProgrammeOrganisation.programme_id.in_(_mentor_programmes(scope.subject_id)))


def reportable_programmes(scope: ReportScope) -> Select:
    """The ids of the mentoring programmes a (non-institute) scope may name; trainers see no mentoring."""
    if scope.kind is ScopeKind.ORGANISATION:
        return select(ProgrammeOrganisation.programme_id).where(ProgrammeOrganisation.organisation_id == scope.subject_id)
    if scope.kind is ScopeKind.MENTOR:
        return _mentor_programmes(scope.subject_id)
    return select(MentoringProgramme.id).where(false())


def _organisation_conditions(organisation_id: SQLColumnExpression, filters: ReportFilter,
                             scope: ReportScope) -> list[ColumnElement[bool]]:
    conditions = []
    if filters.organisation_id:
        conditions.append(organisation_id == filters.organisation_id)
    if filters.municipality_id:
        conditions.append(organisation_id.in_(
            select(Organisation.id).where(Organisation.municipality_id == filters.municipality_id)))
    if filters.service_type:
        conditions.append(organisation_id.in_(select(OrganisationService.organisation_id)
                                              .where(OrganisationService.service_type == filters.service_type)))
    if scope.kind is ScopeKind.ORGANISATION:
        conditions.append(organisation_id == scope.subject_id)
    return conditions


def _participant_conditions(filters: ReportFilter, scope: ReportScope, *, organisation_id: SQLColumnExpression,
                            user_id: SQLColumnExpression, cohort_id: SQLColumnExpression,
                            learning_set_id: SQLColumnExpression) -> list[ColumnElement[bool]]:
    """Filters and scope for facts about a person taking part in a cohort."""
    conditions = _organisation_conditions(organisation_id, filters, scope)
    if filters.learning_set_id:
        conditions.append(learning_set_id == filters.learning_set_id)
    if filters.programme_id:
        conditions.append(_programme_participant(organisation_id, user_id, [filters.programme_id]))
    if scope.kind is ScopeKind.TRAINER:
        conditions.append(cohort_id.in_(select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == scope.subject_id)))
    if scope.kind is ScopeKind.MENTOR:
        conditions.append(_programme_participant(organisation_id, user_id, _mentor_programmes(scope.subject_id)))
    return conditions


def _taking_part(filters: ReportFilter, scope: ReportScope, user_id: SQLColumnExpression,
                 cohort_id: SQLColumnExpression) -> list[ColumnElement[bool]]:
    """The conditions for queries joined to the enrolment (for its organisation) and the version."""
    return _participant_conditions(filters, scope, organisation_id=Enrolment.organisation_id, user_id=user_id,
                                   cohort_id=cohort_id, learning_set_id=LearningSetVersion.learning_set_id)


def _session_conditions(filters: ReportFilter, scope: ReportScope) -> list[ColumnElement[bool]]:
    """Filters and scope for mentoring sessions: by programme, or by the organisations of those taking part."""
    conditions = [MentoringSession.status == SessionStatus.SCHEDULED, *_period(MentoringSession.starts_at, filters)]
    if filters.programme_id:
        conditions.append(MentoringSession.programme_id == filters.programme_id)
    if filters.learning_set_id:
        conditions.append(MentoringSession.programme_id.in_(
            select(MentoringProgramme.id).where(MentoringProgramme.learning_set_id == filters.learning_set_id)))
    by_organisation = _organisation_conditions(Membership.organisation_id, filters, scope)
    if by_organisation:
        conditions.append(exists(
            select(SessionParticipant.id).join(Membership, Membership.user_id == SessionParticipant.user_id)
            .where(SessionParticipant.session_id == MentoringSession.id, SessionParticipant.removed_at.is_(None),
                   *by_organisation)))
    if scope.kind is ScopeKind.TRAINER:
        conditions.append(false())
    if scope.kind is ScopeKind.MENTOR:
        conditions.append(MentoringSession.programme_id.in_(_mentor_programmes(scope.subject_id)))
    return conditions


def _group_key(group: str | None, month_of: SQLColumnExpression) -> SQLColumnExpression:
    """What rows are grouped by: None for one total row."""
    if group is None:
        return null()
    return {"municipality": Organisation.municipality_id, "service_type": OrganisationService.service_type,
            "learning_set": LearningSetVersion.learning_set_id, "month": year_month(month_of)}[group]


def _grouped(statement, group: str | None, key: SQLColumnExpression, organisation_id: SQLColumnExpression | None):
    """GROUP BY the key; by service type, each row joins every service its organisation offers."""
    if group == "service_type":
        statement = statement.join(OrganisationService, OrganisationService.organisation_id == organisation_id)
    if group is not None:
        statement = statement.group_by(key).order_by(key)
    return statement


def _rows(row_type: type[R], statement: Select) -> list[R]:
    """The rows of `statement`, whose columns are labelled with the names of `row_type`'s fields."""
    return [row_type(**row) for row in db.session.execute(statement).mappings()]


# --- training ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainingRow:
    key: Any  # what the rows are grouped by; None in the one row of totals
    participants: int
    organisations: int
    municipalities: int
    enrolments: int
    completions: int
    withdrawn: int
    waitlisted: int
    pending: int


def training(filters: ReportFilter, scope: ReportScope, group: str | None = None) -> list[TrainingRow]:
    """Enrolments in cohorts starting in the period. A completion is an enrolment that earned a certificate
    that has not been revoked."""
    enrolled = Enrolment.status == EnrolmentStatus.ENROLLED
    key = _group_key(group, Cohort.starts_on)
    statement = (
        select(
            key.label("key"),
            _distinct_if(enrolled, Enrolment.user_id).label("participants"),
            _distinct_if(enrolled, Enrolment.organisation_id).label("organisations"),
            _distinct_if(enrolled, Organisation.municipality_id).label("municipalities"),
            _count_if(enrolled).label("enrolments"),
            _count_if(enrolled & Certificate.id.is_not(None) & Certificate.revoked_at.is_(None)).label("completions"),
            _count_if(Enrolment.status == EnrolmentStatus.WITHDRAWN).label("withdrawn"),
            _count_if(Enrolment.status == EnrolmentStatus.WAITLISTED).label("waitlisted"),
            _count_if(Enrolment.status == EnrolmentStatus.PENDING).label("pending"),
        )
        .select_from(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(LearningSetVersion, LearningSetVersion.id == Cohort.version_id)
        .outerjoin(Organisation, Organisation.id == Enrolment.organisation_id)
        .outerjoin(Certificate, and_(Certificate.cohort_id == Enrolment.cohort_id,
                                     Certificate.holder_id == Enrolment.user_id))
        .where(*_period(Cohort.starts_on, filters),
               *_taking_part(filters, scope, Enrolment.user_id, Enrolment.cohort_id))
    )
    statement = _grouped(statement, group, key, Enrolment.organisation_id)
    return _rows(TrainingRow, statement)


@dataclass(frozen=True)
class AttendanceTotals:
    marked: int
    present: int

    @property
    def rate(self) -> float | None:
        return self.present / self.marked if self.marked else None


def attendance(filters: ReportFilter, scope: ReportScope) -> AttendanceTotals:
    """Of all attendance marks recorded for cohort sessions in the period, how many say present."""
    statement = (
        select(func.count(Attendance.id).label("marked"), _count_if(Attendance.is_present).label("present"))
        .select_from(Attendance)
        .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(LearningSetVersion, LearningSetVersion.id == Cohort.version_id)
        .where(*_period(CohortSession.starts_at, filters),
               *_taking_part(filters, scope, Enrolment.user_id, Enrolment.cohort_id))
    )
    return _rows(AttendanceTotals, statement)[0]


# --- certificates -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateRow:
    key: Any  # what the rows are grouped by; None in the one row of totals
    issued: int
    valid: int
    expiring: int
    expired: int
    revoked: int
    cpd_points: int


def certificates(filters: ReportFilter, scope: ReportScope, now: datetime,
                 group: str | None = None) -> list[CertificateRow]:
    """Certificates issued in the period and where they stand now."""
    not_revoked = Certificate.revoked_at.is_(None)
    valid = not_revoked & (Certificate.expires_at.is_(None) | (Certificate.expires_at > now))
    key = _group_key(group, Certificate.issued_at)
    statement = (
        select(
            key.label("key"),
            func.count(Certificate.id).label("issued"),
            _count_if(valid).label("valid"),
            _count_if(valid & (Certificate.expires_at <= now + EXPIRING_WITHIN)).label("expiring"),
            _count_if(not_revoked & (Certificate.expires_at <= now)).label("expired"),
            _count_if(Certificate.revoked_at.is_not(None)).label("revoked"),
            func.coalesce(func.sum(case((not_revoked, Certificate.cpd_points), else_=0)), 0).label("cpd_points"),
        )
        .select_from(Certificate)
        .join(LearningSetVersion, LearningSetVersion.id == Certificate.version_id)
        # The enrolment the certificate crowned says which organisation the holder took part for.
        .outerjoin(Enrolment, and_(Enrolment.cohort_id == Certificate.cohort_id,
                                   Enrolment.user_id == Certificate.holder_id))
        .outerjoin(Organisation, Organisation.id == Enrolment.organisation_id)
        .where(*_period(Certificate.issued_at, filters),
               *_taking_part(filters, scope, Certificate.holder_id, Certificate.cohort_id))
    )
    statement = _grouped(statement, group, key, Enrolment.organisation_id)
    return _rows(CertificateRow, statement)


# --- mentoring --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MentoringRow:
    key: Any  # what the rows are grouped by; None in the one row of totals
    group_sessions: int
    individual_sessions: int
    group_hours: float
    individual_hours: float


def mentoring_sessions(filters: ReportFilter, scope: ReportScope, now: datetime,
                       group: str | None = None) -> list[MentoringRow]:
    """Sessions held (not cancelled, already over) and their hours, group and individual apart."""
    is_group = MentoringSession.kind == SessionKind.GROUP
    hours = seconds_between(MentoringSession.starts_at, MentoringSession.ends_at) / 3600.0
    key = _group_key(group, MentoringSession.starts_at)
    statement = (
        select(
            key.label("key"),
            _count_if(is_group).label("group_sessions"),
            _count_if(~is_group).label("individual_sessions"),
            func.coalesce(func.sum(case((is_group, hours), else_=0.0)), 0.0).label("group_hours"),
            func.coalesce(func.sum(case((~is_group, hours), else_=0.0)), 0.0).label("individual_hours"),
        )
        .where(MentoringSession.ends_at <= now, *_session_conditions(filters, scope))
    )
    statement = _grouped(statement, group, key, None)
    # Rounded: SQLite's julianday arithmetic is a few microseconds off.
    return [replace(row, group_hours=round(float(row.group_hours), 2),
                    individual_hours=round(float(row.individual_hours), 2)) for row in _rows(MentoringRow, statement)]


@dataclass(frozen=True)
class MenteeRow:
    key: Any  # what the rows are grouped by; None in the one row of totals
    people: int
    group_people: int
    organisations: int
    municipalities: int


def mentees(filters: ReportFilter, scope: ReportScope, now: datetime, group: str | None = None) -> list[MenteeRow]:
    """People who attended sessions held, and the provider organisations (and their municipalities) reached."""
    key = _group_key(group, MentoringSession.starts_at)
    by_organisation = _organisation_conditions(Membership.organisation_id, filters, scope)
    statement = (
        select(
            key.label("key"),
            func.count(distinct(SessionParticipant.user_id)).label("people"),
            _distinct_if(MentoringSession.kind == SessionKind.GROUP, SessionParticipant.user_id).label("group_people"),
            func.count(distinct(Membership.organisation_id)).label("organisations"),
            func.count(distinct(Organisation.municipality_id)).label("municipalities"),
        )
        .select_from(SessionParticipant)
        .join(MentoringSession, MentoringSession.id == SessionParticipant.session_id)
        # Only the organisations the filters ask about count as reached.
        .outerjoin(Membership, and_(Membership.user_id == SessionParticipant.user_id, *by_organisation))
        .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
        .where(SessionParticipant.attended.is_(True), SessionParticipant.removed_at.is_(None),
               MentoringSession.ends_at <= now, *_session_conditions(filters, scope))
    )
    if by_organisation:
        statement = statement.where(Membership.id.is_not(None))
    statement = _grouped(statement, group, key, Membership.organisation_id)
    return _rows(MenteeRow, statement)


# --- evaluations ------------------------------------------------------------------------------------------

RATED = ("accessibility", "usefulness", "quality")


@dataclass(frozen=True)
class RatingSummary:
    responses: int
    averages: dict[str, float | None]
    distributions: dict[str, list[int]]  # counts of 1, 2, 3, 4 and 5


def _rating_columns(model: type[EvaluationRatings]) -> list[Label]:
    """The responses, and per question the average ("quality_average") and how many gave each score ("quality_5")."""
    columns = [func.count(model.id).label("responses")]
    for name in RATED:
        column = getattr(model, name)
        columns.append(func.avg(column.cast(Float)).label(f"{name}_average"))
        columns += [_count_if(column == score).label(f"{name}_{score}") for score in range(1, 6)]
    return columns


def _rating_summary(row: RowMapping) -> RatingSummary:
    averages = {name: float(row[f"{name}_average"]) if row[f"{name}_average"] is not None else None for name in RATED}
    distributions = {name: [int(row[f"{name}_{score}"]) for score in range(1, 6)] for name in RATED}
    return RatingSummary(int(row["responses"]), averages, distributions)


def cohort_evaluations(filters: ReportFilter, scope: ReportScope) -> RatingSummary:
    statement = (
        select(*_rating_columns(Evaluation))
        .select_from(Evaluation)
        .join(Cohort, Cohort.id == Evaluation.cohort_id)
        .join(LearningSetVersion, LearningSetVersion.id == Cohort.version_id)
        .outerjoin(Enrolment, and_(Enrolment.cohort_id == Evaluation.cohort_id, Enrolment.user_id == Evaluation.user_id))
        .where(*_period(Cohort.starts_on, filters),
               *_taking_part(filters, scope, Evaluation.user_id, Evaluation.cohort_id))
    )
    return _rating_summary(db.session.execute(statement).mappings().one())


def mentoring_evaluations(filters: ReportFilter, scope: ReportScope) -> RatingSummary:
    statement = (
        select(*_rating_columns(MentoringEvaluation))
        .select_from(MentoringEvaluation)
        .join(MentoringSession, MentoringSession.id == MentoringEvaluation.session_id)
        .where(*_session_conditions(filters, scope))
    )
    return _rating_summary(db.session.execute(statement).mappings().one())

