"""A trainer's roster with each person's progress (modules completed) and attendance (present of the
sessions marked), sortable by either: who is behind comes first, so a trainer sees whom to follow up."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, Subquery, bindparam, func, select

from learnhub.courses.models import Attendance, Cohort, Enrolment
from learnhub.courses.services import _RANK, ACTIVE_STATUSES, RosterLine
from learnhub.curriculum.models import Module, ModuleProgress
from learnhub.pagination import RowPages, RowPagination, paginate_rows
from learnhub.people.models import Municipality, Organisation, User


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
        return (select(rows.c.id, rows.c.status, rows.c.perspective, User.display_name, User.email,
                       Organisation.name, Municipality.name, rows.c.modules_done, rows.c.modules_total,
                       rows.c.present, rows.c.marked)
                .join(User, User.id == rows.c.user_id)
                .outerjoin(Organisation, Organisation.id == rows.c.organisation_id)
                .outerjoin(Municipality, Municipality.id == Organisation.municipality_id)
                .order_by(*_sort_keys(order, rows.c)))
    return show


# Built once per order, with the cohort and the page as parameters.
_PAGES = {order: RowPages.of(_choose(order), _show(order)) for order in RosterOrder}


def progress_roster(cohort: Cohort, order: RosterOrder, page: int, per_page: int) -> RowPagination:
    return paginate_rows(_PAGES[order], {"cohort_id": cohort.id}, ProgressLine, page, per_page)
