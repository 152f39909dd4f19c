"""An organisation admin's staff table: each member's training (enrolments with progress and attendance),
certificates with their expiry, and CPD points in the current licence period; filterable and exportable.

It reads courses and certification, so it lives here rather than in `people` (which both build on).
A fixed number of queries whatever the size of the staff: members, enrolments, certificates, activities.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from learnhub.certification.models import Certificate, CpdActivity
from learnhub.certification.services import institute_date
from learnhub.courses.models import Attendance, Enrolment, EnrolmentStatus
from learnhub.curriculum.models import LearningSetVersion, Module, ModuleProgress, pick_language
from learnhub.enums import LabelledEnum
from learnhub.extensions import db
from learnhub.i18n import _, _l, folded, to_reader_script
from learnhub.pagination import ListPagination
from learnhub.people.models import Membership, MembershipRole, Organisation, User

EXPIRY_WARNING_DAYS = 90
# Enrolments the table shows: what someone is doing or waiting for (not withdrawals or refusals).
SHOWN_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED)


class StaffFilter(LabelledEnum):
    ALL = ""
    IN_TRAINING = "in-training"
    EXPIRING = "expiring"  # a certificate expires within EXPIRY_WARNING_DAYS
    CPD_SHORT = "cpd-short"  # fewer CPD points than the period requires

    __labels__ = {ALL: _l("Everyone"), IN_TRAINING: _l("In training now"),
                  EXPIRING: _l("A certificate expires within 90 days"),
                  CPD_SHORT: _l("Short of CPD points this period")}

    @classmethod
    def parse(cls, text: str | None) -> "StaffFilter":
        return cls(text) if text is not None and text in cls._value2member_map_ else cls.ALL


@dataclass(frozen=True)
class StaffEnrolment:
    learning_set: str
    status: EnrolmentStatus
    modules_done: int
    modules_total: int
    sessions_present: int
    sessions_marked: int


@dataclass(frozen=True)
class StaffCertificate:
    learning_set: str
    expires_at: datetime | None
    is_expiring: bool
    is_expired: bool


@dataclass
class StaffMember:
    user_id: int
    name: str
    email: str
    role: MembershipRole
    enrolments: list[StaffEnrolment] = field(default_factory=list)
    certificates: list[StaffCertificate] = field(default_factory=list)
    cpd_points: int = 0


@dataclass(frozen=True)
class StaffTable:
    members: list[StaffMember]  # the page's, or all that fit the filters for a download
    period_start: int
    period_end: int
    required_points: int
    total: int  # members before filtering
    pages: ListPagination | None = None  # None: every member that fits is in `members`

    @property
    def fitting(self) -> int:
        return (self.pages.total or 0) if self.pages is not None else len(self.members)


def cpd_period(today: date) -> tuple[int, int]:
    """The licence period (first and last year) that `today` falls in."""
    years, first = current_app.config["CPD_PERIOD_YEARS"], current_app.config["CPD_PERIOD_FIRST_YEAR"]
    start = first + (today.year - first) // years * years
    return start, start + years - 1


def staff_table(organisation: Organisation, now: datetime, name: str = "", show: StaffFilter = StaffFilter.ALL,
                page: int | None = None, per_page: int = 25) -> StaffTable:
    """The members that fit the filters, with their training, certificates and CPD points: one `page` of
    them, or all (for downloads) when `page` is None. Facts are read for the members shown only, unless
    the filter is about those facts."""
    members = [StaffMember(user_id, to_reader_script(display_name), email, role)
               for user_id, display_name, email, role in db.session.execute(
                   select(User.id, User.display_name, User.email, Membership.role)
                   .join(Membership, Membership.user_id == User.id)
                   .where(Membership.organisation_id == organisation.id)
                   .order_by(User.display_name, User.id))]
    period_start, period_end = cpd_period(institute_date(now))
    required = current_app.config["CPD_REQUIRED_POINTS"]
    wanted = folded(name)
    shown = [m for m in members if not wanted or wanted in folded(m.name) or wanted in m.email.casefold()]
    if show is not StaffFilter.ALL:
        _add_facts(shown, organisation, now, period_start, period_end)
        shown = [m for m in shown if _fits(m, show, required)]
    pages = ListPagination(shown, page, per_page) if page is not None else None
    if pages is not None:
        shown = pages.items
    if show is StaffFilter.ALL:
        _add_facts(shown, organisation, now, period_start, period_end)
    return StaffTable(shown, period_start, period_end, required, len(members), pages)


def _add_facts(members: list[StaffMember], organisation: Organisation, now: datetime, period_start: int,
               period_end: int) -> None:
    if members:
        by_id = {member.user_id: member for member in members}
        _add_enrolments(by_id, organisation)
        _add_certificates_and_points(by_id, now, period_start, period_end)


def _fits(member: StaffMember, show: StaffFilter, required: int) -> bool:
    if show is StaffFilter.IN_TRAINING:
        return any(e.status == EnrolmentStatus.ENROLLED for e in member.enrolments)
    if show is StaffFilter.EXPIRING:
        return any(c.is_expiring for c in member.certificates)
    if show is StaffFilter.CPD_SHORT:
        return member.cpd_points < required
    return True


def _add_enrolments(members: dict[int, StaffMember], organisation: Organisation) -> None:
    done = (select(func.count()).select_from(ModuleProgress).join(Module, Module.id == ModuleProgress.module_id)
            .where(Module.version_id == Enrolment.version_id, ModuleProgress.user_id == Enrolment.user_id)
            .correlate(Enrolment).scalar_subquery())
    total = (select(func.count(Module.id)).where(Module.version_id == Enrolment.version_id)
             .correlate(Enrolment).scalar_subquery())
    present = (select(func.count()).select_from(Attendance)
               .where(Attendance.enrolment_id == Enrolment.id, Attendance.is_present.is_(True))
               .correlate(Enrolment).scalar_subquery())
    marked = (select(func.count()).select_from(Attendance).where(Attendance.enrolment_id == Enrolment.id)
              .correlate(Enrolment).scalar_subquery())
    rows = db.session.execute(
        select(Enrolment.user_id, LearningSetVersion.title, Enrolment.status, done.label("modules_done"),
               total.label("modules_total"), present.label("sessions_present"), marked.label("sessions_marked"))
        .join(LearningSetVersion, LearningSetVersion.id == Enrolment.version_id)
        .where(Enrolment.organisation_id == organisation.id, Enrolment.user_id.in_(members),
               Enrolment.status.in_(SHOWN_STATUSES))
        .order_by(Enrolment.created_at)).mappings()
    for row in rows:
        figures = {name: value for name, value in row.items() if name not in ("user_id", "title")}
        members[row["user_id"]].enrolments.append(
            StaffEnrolment(learning_set=to_reader_script(pick_language(row["title"])), **figures))


def _add_certificates_and_points(members: dict[int, StaffMember], now: datetime, period_start: int,
                                 period_end: int) -> None:
    soon = now + timedelta(days=EXPIRY_WARNING_DAYS)
    for holder_id, title, issued_at, expires_at, points in db.session.execute(
            select(Certificate.holder_id, LearningSetVersion.title, Certificate.issued_at, Certificate.expires_at,
                   Certificate.cpd_points)
            .join(LearningSetVersion, LearningSetVersion.id == Certificate.version_id)
            .where(Certificate.holder_id.in_(members), Certificate.revoked_at.is_(None))
            .order_by(Certificate.issued_at)):
        member = members[holder_id]
        is_expired = expires_at is not None and expires_at <= now
        member.certificates.append(StaffCertificate(
            to_reader_script(pick_language(title)), expires_at,
            is_expiring=not is_expired and expires_at is not None and expires_at <= soon, is_expired=is_expired))
        if period_start <= institute_date(issued_at).year <= period_end:
            member.cpd_points += points
    activity_points: defaultdict[int, int] = defaultdict(int)
    for user_id, points in db.session.execute(
            select(CpdActivity.user_id, func.sum(CpdActivity.points))
            .where(CpdActivity.user_id.in_(members), CpdActivity.approved_at.is_not(None),
                   CpdActivity.completed_on >= date(period_start, 1, 1),
                   CpdActivity.completed_on <= date(period_end, 12, 31))
            .group_by(CpdActivity.user_id)):
        activity_points[user_id] += int(points or 0)
    for user_id, points in activity_points.items():
        members[user_id].cpd_points += points


def staff_rows(table: StaffTable, format_date) -> tuple[list[str], list[list[object]]]:
    """The table as a header and rows for CSV and XLSX: one row per person, lists as text."""
    header = [_("Name"), _("E-mail"), _("Role"), _("Training"), _("Certificates"),
              _("CPD points %(start)d–%(end)d", start=table.period_start, end=table.period_end)]
    rows: list[list[object]] = []
    for m in table.members:
        training = "; ".join(
            _("%(set)s: %(status)s, %(done)d/%(total)d modules, present %(present)d/%(marked)d",
              set=e.learning_set, status=e.status.label, done=e.modules_done, total=e.modules_total,
              present=e.sessions_present, marked=e.sessions_marked) for e in m.enrolments)
        certificates = "; ".join(
            _("%(set)s (until %(date)s)", set=c.learning_set, date=format_date(c.expires_at)) if c.expires_at
            else _("%(set)s (no expiry)", set=c.learning_set) for c in m.certificates)
        rows.append([m.name, m.email, m.role.label, training, certificates, m.cpd_points])
    return header, rows
