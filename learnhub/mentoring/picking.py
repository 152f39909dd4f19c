"""What the booking calendar shows: a month whose days are marked by their free slots, and one day's slots,
in the zone the viewer reads them in. Pure, so booking and moving pages share it and tests need no pages.

A slot belongs to the day on which it starts in the viewer's zone: a slot at 23:30 UTC is on the next day
in Belgrade. Months can be browsed from the one holding the first day a slot can fall on to the one holding
the last (the mentor's horizon), never further.
"""

from calendar import Calendar
from dataclasses import dataclass
from datetime import date, datetime

from learnhub.mentoring.slots import Slot
from learnhub.timeutil import utc_to_local


@dataclass(frozen=True)
class CalendarDay:
    day: date
    slot_count: int
    is_within_reach: bool  # between the first and the last day a slot can fall on


@dataclass(frozen=True)
class MonthView:
    month: date  # its first day
    weeks: tuple[tuple[CalendarDay | None, ...], ...]  # seven places a week; None: a day of another month
    previous_month: date | None  # None: nothing can be booked before this month
    next_month: date | None

    @property
    def has_slots(self) -> bool:
        return any(day and day.slot_count for week in self.weeks for day in week)


def slots_by_day(slots: list[Slot], zone_name: str) -> dict[date, list[Slot]]:
    """The slots (sorted) grouped by the day each starts on in `zone_name`, days in order."""
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(utc_to_local(slot.starts_at, zone_name).date(), []).append(slot)
    return days


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def shown_month(requested: date | None, first_day: date, last_day: date, days: dict[date, list[Slot]]) -> date:
    """The month to show: the one asked for, kept within reach; without one, the month of the first free
    day (or of the first day, when nothing is free)."""
    if requested is None:
        requested = next(iter(days), first_day)
    month = _first_of_month(requested)
    return min(max(month, _first_of_month(first_day)), _first_of_month(last_day))


def month_view(days: dict[date, list[Slot]], month: date, first_day: date, last_day: date,
               first_weekday: int = 0) -> MonthView:
    """The weeks of `month` (starting on `first_weekday`, 0 = Monday) with each day's number of free slots."""
    weeks = tuple(
        tuple(CalendarDay(day, len(days.get(day, ())), first_day <= day <= last_day) if day.month == month.month
              else None for day in week)
        for week in Calendar(first_weekday).monthdatescalendar(month.year, month.month))
    previous_month = _previous_month(month) if month > _first_of_month(first_day) else None
    next_month = _next_month(month) if month < _first_of_month(last_day) else None
    return MonthView(month, weeks, previous_month, next_month)


def parse_month(text: str | None) -> date | None:
    """A month as the calendar's links write it ("2027-03"); anything else is no month."""
    try:
        return datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "") if len(text or "") == 10 else None
    except ValueError:
        return None
