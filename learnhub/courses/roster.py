"""A cohort's roster, attendance and their exports; and the trainer's roster with each person's progress
(modules completed) and attendance (present of the sessions marked), sortable by either: who is behind
comes first, so a trainer sees whom to follow up."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import Select, Subquery, and_, bindparam, case, func, select, true

from learnhub import ical
from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.courses.models import Attendance, Cohort, CohortSession, Enrolment, EnrolmentLabels, EnrolmentStatus
from learnhub.courses.services import ACTIVE_STATUSES
from learnhub.curriculum.models import Audience, Module, ModuleProgress
from learnhub.errors import NotFound
from learnhub.extensions import db
from learnhub.i18n import _, to_reader_script
from learnhub.mail.services import external_url, site_host
from learnhub.pagination import RowPages, RowPagination, paginate_rows
from learnhub.people.models import Municipality, Organisation, User
from learnhub.spreadsheets import csv_bytes
from learnhub.timeutil import is_in_calendar_range, utcnow


@dataclass(frozen=True)
class RosterLine(EnrolmentLabels):
    """A participant as rosters, attendance lists and their exports show them."""

    id: int
    status: EnrolmentStatus
    perspective: Audience | None
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


# Who a roster line is, by the names of RosterLine's fields.
_PERSON = (User.display_name.label("name"), User.email, Organisation.name.label("organisation"),
           Municipality.name.label("municipality"))


def _roster_columns(rows: Subquery) -> Select:
    # Plain columns: loading the enrolments as objects, with their people and organisations, took
    # several times as long as the rest of the page.
    return (select(rows.c.id, rows.c.status, rows.c.perspective, *_PERSON)
            .join(User, User.id == rows.c.user_id)
            .outerjoin(Organisation, Organisation.id == rows.c.organisation_id)
            .outerjoin(Municipality, Municipality.id == Organisation.municipality_id)
            .order_by(rows.c.rank, rows.c.created_at, rows.c.id))


_ROSTER_PAGES = RowPages.of(_ROSTER, _roster_columns)


def roster(cohort: Cohort, page: int, per_page: int) -> RowPagination:
    return paginate_rows(_ROSTER_PAGES, {"cohort_id": cohort.id}, RosterLine, page, per_page)


def roster_line(cohort: Cohort, enrolment_id: int) -> RosterLine:
    rows = _ROSTER.where(Enrolment.id == enrolment_id).subquery()
    row = db.session.execute(_roster_columns(rows), {"cohort_id": cohort.id}).mappings().one_or_none()
    if row is None:
        raise NotFound(_("We could not find that participant in this cohort."))
    return RosterLine(**row)


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


def set_attendance(actor: User, cohort: Cohort, session_id: int, enrolment_ids: list[int] | None,
                   is_present: bool) -> int:
    """Mark enrolled participants present or absent at a session: those named, or (None) everyone enrolled.
    Returns how many."""
    session = session_of(cohort, session_id)
    chosen = Enrolment.id.in_(enrolment_ids) if enrolment_ids is not None else true()
    # The enrolled participants with their marks at this session (if any), in one read.
    rows = db.session.execute(
        select(Enrolment.id, Attendance)
        .outerjoin(Attendance, and_(Attendance.enrolment_id == Enrolment.id, Attendance.session_id == session.id))
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ENROLLED, chosen)).all()
    enrolled = {enrolment_id for enrolment_id, _mark in rows}
    if enrolment_ids is not None and (not enrolled or len(enrolled) != len(set(enrolment_ids))):
        raise NotFound(_("We could not find that participant in this cohort."))
    existing = {enrolment_id: mark for enrolment_id, mark in rows if mark is not None}
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


def _all_roster_lines(cohort: Cohort) -> list[RosterLine]:
    return [RosterLine(**row) for row in db.session.execute(_roster_columns(_ROSTER.subquery()),
                                                            {"cohort_id": cohort.id}).mappings()]


def roster_csv(cohort: Cohort) -> bytes:
    return csv_bytes([_("Name"), _("E-mail"), _("Organisation"), _("Municipality"), _("Perspective"), _("Status")],
                     [[to_reader_script(line.name), line.email, to_reader_script(line.organisation or ""),
                       to_reader_script(line.municipality or ""), line.perspective_label, line.status.label]
                      for line in _all_roster_lines(cohort)])


def attendance_csv(cohort: Cohort, format_session) -> bytes:
    lines = [line for line in _all_roster_lines(cohort) if line.holds_seat]
    marks = attendance_marks([s.id for s in cohort.sessions], [line.id for line in lines])

    def mark_text(session: CohortSession, line) -> str:
        mark = marks.get((session.id, line.id))
        return "" if mark is None else (_("present") if mark else _("absent"))

    return csv_bytes([_("Name"), _("Organisation")] + [format_session(s) for s in cohort.sessions],
                     [[to_reader_script(line.name), to_reader_script(line.organisation or "")]
                      + [mark_text(session, line) for session in cohort.sessions] for line in lines])


def cohort_calendar(cohort: Cohort, now: datetime) -> bytes:
    """The cohort's sessions for anyone to add to a calendar: an online session says it is online, but its
    link is for enrolled people only (the cohort page, My learning, their reminders and feed)."""
    host = site_host()
    name = to_reader_script(f"{cohort.version.display_title}: {cohort.name}")
    url = external_url("courses.cohort", cohort_id=cohort.id)
    online = _("Online")
    events = [ical.CalendarEvent(uid=f"cohort-session-{s.id}@{host}", sequence=0, starts_at=s.starts_at,
                                 ends_at=s.ends_at, summary=name, description="",
                                 location=s.place or (online if s.online_url else ""),
                                 url=url, time_zone=current_app.config["LEARNHUB_TIMEZONE"])
              for s in cohort.sessions if is_in_calendar_range(s.starts_at) and is_in_calendar_range(s.ends_at)]
    return ical.to_bytes(ical.feed(events, name, now))




class RosterOrder(StrEnum):
    ENROLMENT = "enrolment"  # enrolled, waiting for approval, waitlisted; first come first
    PROGRESS = "progress"  # fewest modules completed first
    ATTENDANCE = "attendance"  # lowest share of sessions attended first; nobody marked yet last

    @classmethod
    def parse(cls, text: str | None) -> "RosterOrder":
        return cls(text) if text is not None and text in cls._value2member_map_ else cls.ENROLMENT


@dataclass(frozen=True)
class ProgressLine(RosterLine):
    modules_done: int
    modules_total: int
    sessions_present: int
    sessions_marked: int

    @property
    def progress_percent(self) -> int:
        return round(100 * self.modules_done / self.modules_total) if self.modules_total else 0


_MODULES_DONE = (select(func.count()).select_from(ModuleProgress)
                 .join(Module, Module.id == ModuleProgress.module_id)
                 .where(Module.version_id == Enrolment.version_id, ModuleProgress.user_id == Enrolment.user_id)
                 .correlate(Enrolment).scalar_subquery())
_MODULES_TOTAL = (select(func.count(Module.id)).where(Module.version_id == Enrolment.version_id)
                  .correlate(Enrolment).scalar_subquery())
_PRESENT = (select(func.count()).select_from(Attendance)
            .where(Attendance.enrolment_id == Enrolment.id, Attendance.is_present.is_(True))
            .correlate(Enrolment).scalar_subquery())
_MARKED = (select(func.count()).select_from(Attendance).where(Attendance.enrolment_id == Enrolment.id)
           .correlate(Enrolment).scalar_subquery())


def _choose(order: RosterOrder) -> Select:
    rows = (select(Enrolment.id, Enrolment.status, Enrolment.perspective, Enrolment.user_id,
                   Enrolment.organisation_id, _RANK.label("rank"), Enrolment.created_at,
                   _MODULES_DONE.label("modules_done"), _MODULES_TOTAL.label("modules_total"),
                   _PRESENT.label("present"), _MARKED.label("marked"))
            .where(Enrolment.cohort_id == bindparam("cohort_id"), Enrolment.status.in_(ACTIVE_STATUSES)))
    return rows.order_by(*_sort_keys(order, rows.selected_columns))


def _sort_keys(order: RosterOrder, c) -> list:
    first_come = [c.rank, c.created_at, c.id]
    if order is RosterOrder.PROGRESS:
        return [c.modules_done * 1.0 / func.nullif(c.modules_total, 0), *first_come]
    if order is RosterOrder.ATTENDANCE:
        # Nobody marked yet: after everyone who has marks (a share of 0 would put them among the absent).
        share = c.present * 1.0 / func.nullif(c.marked, 0)
        return [share.is_(None), share, *first_come]
    return first_come


def _show(order: RosterOrder):
    def show(rows: Subquery) -> Select:
        return (select(rows.c.id, rows.c.status, rows.c.perspective, *_PERSON, rows.c.modules_done,
                       rows.c.modules_total, rows.c.present.label("sessions_present"),
                       rows.c.marked.label("sessions_marked"))
                .join(User, User.id == rows.c.user_id)
                .outerjoin(Organisation, Organisation.id == rows.c.organisation_id)
                .outerjoin(Municipality, Municipality.id == Organisation.municipality_id)
                .order_by(*_sort_keys(order, rows.c)))
    return show


# Built once per order, with the cohort and the page as parameters.
_PAGES = {order: RowPages.of(_choose(order), _show(order)) for order in RosterOrder}


def progress_roster(cohort: Cohort, order: RosterOrder, page: int, per_page: int) -> RowPagination:
    return paginate_rows(_PAGES[order], {"cohort_id": cohort.id}, ProgressLine, page, per_page)
