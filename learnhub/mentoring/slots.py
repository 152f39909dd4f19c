"""Free 1:1 mentoring slots, computed purely so the slot page and the booking check always agree.

Windows are wall-clock times in the mentor's zone, weekly or on one date (a date's own windows replace its
weekday's, and a day off takes the whole day); everything else is naive UTC. On each day a window
becomes one stretch of real time, from the instant the mentor's clock reaches its start to the instant
it reaches its end, and slots are laid out back to back in real time inside that stretch. Across
daylight-saving changes this means:

- an ordinary window (09:00-12:00) keeps its local hours on both sides of the change;
- a repeated wall time (autumn fall-back) means its first occurrence (fold=0), so a window through the
  repeated hour is one continuous stretch and no two slots share a UTC start or overlap;
- a skipped wall time (spring-forward) never widens a window: a start inside the gap moves later and an
  end inside the gap moves earlier by the size of the gap, so no time the mentor did not publish is offered.
"""

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import TypeVar
from zoneinfo import ZoneInfo

from learnhub.timeutil import utc_to_local

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Moment = TypeVar("Moment", datetime, time)
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class WeeklyWindow:
    weekday: int  # 0 = Monday ... 6 = Sunday, in the mentor's zone
    start: time  # wall clock, mentor's zone
    end: time  # after start, same day


@dataclass(frozen=True)
class DateWindow:
    """Hours on one date, in place of that weekday's (a different day, a Saturday workshop)."""

    day: date  # in the mentor's zone
    start: time  # wall clock, mentor's zone
    end: time  # after start, same day


Window = WeeklyWindow | DateWindow


@dataclass(frozen=True)
class DayOff:
    first_day: date  # inclusive, mentor's zone
    last_day: date  # inclusive
    note: str = ""

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class BookingRules:
    slot_minutes: int = 60
    buffer_minutes: int = 15  # free time kept after each session and before the next
    min_notice: timedelta = timedelta(hours=24)
    max_days_ahead: int = 30

    def __post_init__(self) -> None:
        # A step of zero or less would lay slots out forever.
        if self.slot_minutes < 1 or self.buffer_minutes < 0:
            raise ValueError("slot_minutes must be at least 1 and buffer_minutes at least 0")

    @property
    def slot_length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: datetime  # naive UTC
    ends_at: datetime  # naive UTC


def overlaps(a_start: Moment, a_end: Moment, b_start: Moment, b_end: Moment) -> bool:
    """Whether [a_start, a_end) and [b_start, b_end) share time; intervals that only touch do not."""
    return a_start < b_end and b_start < a_end


def _day_of(window: Window) -> int | date:
    return window.day if isinstance(window, DateWindow) else window.weekday


def check_windows(windows: Iterable[Window]) -> list[str]:
    """Plain-English problems with a set of windows, for code that builds them (the editor says it in
    the mentor's language); empty when they can be saved."""
    problems: list[str] = []
    valid: list[tuple[int, Window]] = []
    for number, window in enumerate(windows, start=1):
        has_weekday = isinstance(window, DateWindow) or 0 <= window.weekday <= 6
        if not has_weekday:
            problems.append(f"Window {number}: the weekday must be from 0 (Monday) to 6 (Sunday).")
        if window.end <= window.start:
            problems.append(f"Window {number}: the end must be after the start.")
        elif has_weekday:
            valid.append((number, window))
    for index, (number, window) in enumerate(valid):
        for other_number, other in valid[index + 1:]:
            if _day_of(window) == _day_of(other) and overlaps(window.start, window.end, other.start, other.end):
                day = _day_of(window)
                problems.append(f"Windows {number} and {other_number} overlap on "
                                f"{day if isinstance(day, date) else DAY_NAMES[day]}.")
    return problems


def windows_on(day: date, windows: Iterable[Window]) -> list[Window]:
    """The windows that hold on `day`: its own date's if it has any, else its weekday's."""
    windows = list(windows)
    own: list[Window] = [window for window in windows if isinstance(window, DateWindow) and window.day == day]
    return own or [window for window in windows if isinstance(window, WeeklyWindow)
                   and window.weekday == day.weekday()]


def free_slots(windows: Iterable[Window], days_off: Iterable[DayOff], busy: Iterable[Interval], zone: str,
               rules: BookingRules, now: datetime) -> list[Slot]:
    """Bookable slots from `now` (naive UTC) up to the horizon, sorted, without duplicates or overlaps."""
    today = utc_to_local(now, zone).date()  # the horizon counts the mentor's days, not UTC ones
    days = [today + timedelta(days=offset) for offset in range(rules.max_days_ahead + 1)]
    return _free_on(days, windows, days_off, busy, zone, rules, now)


def is_bookable(slot_start: datetime, windows: Iterable[Window], days_off: Iterable[DayOff],
                busy: Iterable[Interval], zone: str, rules: BookingRules, now: datetime) -> bool:
    """Whether `slot_start` (naive UTC) is exactly one of the free slots, so a request cannot invent its own.

    Only the slot's own day is laid out: a window lies within one day of the mentor's, so slots of
    different days never meet and that day's free slots are the same here as in `free_slots`.
    """
    day = utc_to_local(slot_start, zone).date()
    if not 0 <= (day - utc_to_local(now, zone).date()).days <= rules.max_days_ahead:
        return False
    return any(slot.starts_at == slot_start for slot in _free_on([day], windows, days_off, busy, zone, rules, now))


def _free_on(days: list[date], windows: Iterable[Window], days_off: Iterable[DayOff], busy: Iterable[Interval],
             zone: str, rules: BookingRules, now: datetime) -> list[Slot]:
    tz = ZoneInfo(zone)
    windows, days_off = list(windows), list(days_off)
    earliest = now + rules.min_notice
    candidates: list[Slot] = []
    for day in days:
        if any(day_off.covers(day) for day_off in days_off):
            continue
        for window in windows_on(day, windows):
            candidates.extend(_window_slots(day, window, tz, rules))
    is_blocked = _blocked_test(list(busy), rules.buffer)
    free = [slot for slot in candidates if slot.starts_at >= earliest and not is_blocked(slot)]
    return _without_overlaps(sorted(free))


def _window_slots(day: date, window: Window, tz: ZoneInfo, rules: BookingRules) -> Iterator[Slot]:
    start = _wall_to_utc(datetime.combine(day, window.start), tz, is_end=False)
    end = _wall_to_utc(datetime.combine(day, window.end), tz, is_end=True)
    slot_start, length, step = start, rules.slot_length, rules.slot_length + rules.buffer
    while slot_start + length <= end:
        yield Slot(slot_start, slot_start + length)
        slot_start += step


def _wall_to_utc(wall: datetime, tz: ZoneInfo, *, is_end: bool) -> datetime:
    """The naive-UTC instant a window bound stands for, by the DST rules in the module docstring."""
    instant = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0: a repeated time means its first occurrence
    is_skipped = instant.astimezone(tz).replace(tzinfo=None) != wall
    if is_skipped and is_end:
        # fold=0 puts a skipped time after the gap; fold=1 puts it before, so the window does not grow.
        instant = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return instant.replace(tzinfo=None)


def _blocked_test(busy: list[Interval], buffer: timedelta) -> Callable[[Slot], bool]:
    """Whether a slot, widened by the buffer, overlaps a busy interval: a binary search per slot rather
    than a pass over every session, as a busy mentor has hundreds within the horizon."""
    busy = sorted(busy)
    starts = [starts_at for starts_at, _ends_at in busy]
    # The latest end among the intervals that start first: sessions may overlap one another.
    latest_ends = list(accumulate((ends_at for _starts_at, ends_at in busy), max))

    def is_blocked(slot: Slot) -> bool:
        starting_before_slot_ends = bisect_left(starts, slot.ends_at + buffer)
        return starting_before_slot_ends > 0 and latest_ends[starting_before_slot_ends - 1] > slot.starts_at - buffer

    return is_blocked


def _without_overlaps(slots: list[Slot]) -> list[Slot]:
    # Only overlapping windows (which check_windows refuses) can collide; the earlier slot wins.
    kept: list[Slot] = []
    for slot in slots:
        if not kept or slot.starts_at >= kept[-1].ends_at:
            kept.append(slot)
    return kept
