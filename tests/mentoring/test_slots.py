"""Free 1:1 slots: weekly windows in the mentor's zone become naive-UTC slots, across DST changes too."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from learnhub.mentoring.slots import (
    BookingRules,
    DateWindow,
    DayOff,
    Slot,
    WeeklyWindow,
    check_windows,
    free_slots,
    is_bookable,
    overlaps,
)

BELGRADE = "Europe/Belgrade"
WEDNESDAY, SUNDAY = 2, 6
WEDNESDAY_MORNING = WeeklyWindow(WEDNESDAY, time(9), time(12))
WINTER_NOW = datetime(2026, 1, 12, 12, 0)  # a Monday; Belgrade is UTC+1
SUMMER_NOW = datetime(2026, 6, 15, 12, 0)  # a Monday; Belgrade is UTC+2
ONE_WEEK = BookingRules(max_days_ahead=7)
WINTER_SLOTS = [datetime(2026, 1, 14, 8, 0), datetime(2026, 1, 14, 9, 15)]  # 09:00 and 10:15 in Belgrade
HALF_HOURS = BookingRules(slot_minutes=30, buffer_minutes=0, max_days_ahead=7)


def starts(windows=(WEDNESDAY_MORNING,), *, days_off=(), busy=(), rules=ONE_WEEK, now=WINTER_NOW,
           zone=BELGRADE) -> list[datetime]:
    return [slot.starts_at for slot in free_slots(windows, days_off, busy, zone, rules, now)]


def wall_clock(moment: datetime, zone: str = BELGRADE) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


# --- examples ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("arguments", "expected"), [
    pytest.param({}, WINTER_SLOTS, id="winter-window-is-utc-plus-1"),
    pytest.param({"now": SUMMER_NOW}, [datetime(2026, 6, 17, 7, 0), datetime(2026, 6, 17, 8, 15)],
                 id="summer-window-is-utc-plus-2"),
    pytest.param({"busy": [(datetime(2026, 1, 14, 10, 0), datetime(2026, 1, 14, 10, 30))]}, WINTER_SLOTS[:1],
                 id="session-inside-buffer-after-slot-takes-it"),
    pytest.param({"busy": [(datetime(2026, 1, 14, 10, 30), datetime(2026, 1, 14, 11, 0))]}, WINTER_SLOTS,
                 id="session-a-full-buffer-after-slot-leaves-it-free"),
    pytest.param({"busy": [(datetime(2026, 1, 14, 6, 0), datetime(2026, 1, 14, 7, 46))]}, WINTER_SLOTS[1:],
                 id="session-ending-inside-buffer-before-slot-takes-it"),
    pytest.param({"busy": [(datetime(2026, 1, 14, 6, 0), datetime(2026, 1, 14, 7, 45))]}, WINTER_SLOTS,
                 id="session-ending-a-full-buffer-before-slot-leaves-it-free"),
    pytest.param({"busy": [(datetime(2026, 1, 14, 7, 10), datetime(2026, 1, 14, 7, 20)),
                           (datetime(2026, 1, 14, 7, 0), datetime(2026, 1, 14, 9, 40))]}, [],
                 id="long-session-around-a-short-one-takes-every-slot-it-meets"),
    pytest.param({"now": datetime(2026, 1, 13, 8, 0)}, WINTER_SLOTS, id="exactly-minimum-notice-is-enough"),
    pytest.param({"now": datetime(2026, 1, 13, 8, 30)}, WINTER_SLOTS[1:], id="closer-than-minimum-notice-is-hidden"),
    pytest.param({"rules": BookingRules(max_days_ahead=2)}, WINTER_SLOTS, id="last-day-of-horizon-is-offered"),
    pytest.param({"rules": BookingRules(max_days_ahead=1)}, [], id="day-beyond-horizon-is-hidden"),
    pytest.param({"rules": BookingRules(max_days_ahead=1), "now": datetime(2026, 1, 12, 23, 30)}, WINTER_SLOTS,
                 id="horizon-counts-from-mentors-local-date"),
    pytest.param({"days_off": [DayOff(date(2026, 1, 14), date(2026, 1, 14))]}, [], id="single-day-off"),
    pytest.param({"days_off": [DayOff(date(2026, 1, 13), date(2026, 1, 15))]}, [], id="leave-covering-the-day"),
    pytest.param({"days_off": [DayOff(date(2026, 1, 15), date(2026, 1, 16))]}, WINTER_SLOTS,
                 id="leave-on-other-days"),
])
def test_free_slot_examples(arguments, expected):
    assert starts(**arguments) == expected


@pytest.mark.parametrize(("now", "expected"), [
    pytest.param(datetime(2026, 3, 20, 12, 0), [datetime(2026, 3, 22, 8, 0), datetime(2026, 3, 22, 9, 15),
                                                datetime(2026, 3, 29, 7, 0), datetime(2026, 3, 29, 8, 15)],
                 id="spring-forward"),
    pytest.param(datetime(2026, 10, 16, 12, 0), [datetime(2026, 10, 18, 7, 0), datetime(2026, 10, 18, 8, 15),
                                                 datetime(2026, 10, 25, 8, 0), datetime(2026, 10, 25, 9, 15)],
                 id="fall-back"),
])
def test_window_keeps_its_local_hours_on_both_sides_of_a_dst_change(now, expected):
    found = starts([WeeklyWindow(SUNDAY, time(9), time(12))], rules=BookingRules(max_days_ahead=10), now=now)
    assert found == expected
    assert [wall_clock(start).time() for start in found] == [time(9), time(10, 15)] * 2


SPRING_FRIDAY = datetime(2026, 3, 27, 12, 0)  # the week holding Sunday 29 March, 02:00 -> 03:00
AUTUMN_FRIDAY = datetime(2026, 10, 23, 12, 0)  # the week holding Sunday 25 October, 03:00 -> 02:00


@pytest.mark.parametrize(("start", "end", "rules", "expected_wall_clock"), [
    pytest.param(time(1), time(4), ONE_WEEK, ["01:00"], id="across-gap-hourly"),
    pytest.param(time(1), time(4), HALF_HOURS, ["01:00", "01:30", "03:00", "03:30"], id="across-gap-half-hourly"),
    pytest.param(time(2), time(4), ONE_WEEK, ["03:00"], id="start-in-gap-moves-to-the-jump"),
    pytest.param(time(2, 30), time(4), HALF_HOURS, ["03:30"], id="start-in-gap-moves-later"),
    pytest.param(time(1), time(2, 30), HALF_HOURS, ["01:00"], id="end-in-gap-moves-earlier"),
])
def test_spring_forward_day_offers_only_real_instants(start, end, rules, expected_wall_clock):
    found = free_slots([WeeklyWindow(SUNDAY, start, end)], [], [], BELGRADE, rules, SPRING_FRIDAY)
    assert [wall_clock(slot.starts_at).strftime("%H:%M") for slot in found] == expected_wall_clock
    assert all(slot.ends_at - slot.starts_at == rules.slot_length for slot in found)
    assert all(earlier.ends_at <= later.starts_at for earlier, later in zip(found, found[1:]))


@pytest.mark.parametrize(("start", "end", "rules", "expected_utc"), [
    pytest.param(time(1), time(4), ONE_WEEK, [(24, 23, 0), (25, 0, 15), (25, 1, 30)], id="repeated-hour-worked-once"),
    pytest.param(time(1), time(4), HALF_HOURS, [(24, 23, 0), (24, 23, 30)] + [(25, h, m) for h in (0, 1, 2)
                                                                             for m in (0, 30)],
                 id="every-half-hour-of-real-time"),
    pytest.param(time(2, 30), time(4), ONE_WEEK, [(25, 0, 30), (25, 1, 45)], id="start-means-first-occurrence"),
    pytest.param(time(1), time(2, 30), ONE_WEEK, [(24, 23, 0)], id="end-means-first-occurrence"),
])
def test_fall_back_day_resolves_repeated_times_to_their_first_occurrence(start, end, rules, expected_utc):
    found = free_slots([WeeklyWindow(SUNDAY, start, end)], [], [], BELGRADE, rules, AUTUMN_FRIDAY)
    assert [slot.starts_at for slot in found] == [datetime(2026, 10, day, h, m) for day, h, m in expected_utc]
    assert all(earlier.ends_at <= later.starts_at for earlier, later in zip(found, found[1:]))


def test_overlapping_windows_never_give_overlapping_slots():
    windows = [WEDNESDAY_MORNING, WeeklyWindow(WEDNESDAY, time(9, 30), time(11, 30)), WEDNESDAY_MORNING]
    assert starts(windows) == WINTER_SLOTS


# --- date-specific hours ------------------------------------------------------------------------------

TEN_DAYS = BookingRules(max_days_ahead=10)
NEXT_WEDNESDAY = [datetime(2026, 1, 21, 8, 0), datetime(2026, 1, 21, 9, 15)]


@pytest.mark.parametrize(("windows", "days_off", "expected"), [
    pytest.param([WEDNESDAY_MORNING, DateWindow(date(2026, 1, 14), time(14), time(16, 30))], [],
                 [datetime(2026, 1, 14, 13, 0), datetime(2026, 1, 14, 14, 15)] + NEXT_WEDNESDAY,
                 id="a-date-replaces-its-weekdays-hours-that-day-only"),
    pytest.param([WEDNESDAY_MORNING, DateWindow(date(2026, 1, 14), time(9), time(10)),
                  DateWindow(date(2026, 1, 14), time(15), time(16))], [],
                 [datetime(2026, 1, 14, 8, 0), datetime(2026, 1, 14, 14, 0)] + NEXT_WEDNESDAY,
                 id="a-date-with-several-ranges"),
    pytest.param([WEDNESDAY_MORNING, DateWindow(date(2026, 1, 17), time(10), time(11))], [],
                 WINTER_SLOTS + [datetime(2026, 1, 17, 9, 0)] + NEXT_WEDNESDAY,
                 id="a-saturday-workshop-adds-a-day"),
    pytest.param([WEDNESDAY_MORNING, DateWindow(date(2026, 1, 14), time(14), time(16))],
                 [DayOff(date(2026, 1, 13), date(2026, 1, 15))], NEXT_WEDNESDAY, id="a-day-off-takes-the-date-too"),
    pytest.param([WEDNESDAY_MORNING, DateWindow(date(2026, 1, 28), time(14), time(16))], [],
                 WINTER_SLOTS + NEXT_WEDNESDAY, id="a-date-beyond-the-horizon-is-not-offered"),
])
def test_date_specific_hours(windows, days_off, expected):
    assert starts(windows, days_off=days_off, rules=TEN_DAYS) == expected


@pytest.mark.parametrize(("day", "start", "end", "rules", "expected_wall_clock", "now"), [
    pytest.param(date(2026, 3, 29), time(1), time(4), HALF_HOURS, ["01:00", "01:30", "03:00", "03:30"], SPRING_FRIDAY,
                 id="spring-forward-offers-only-real-instants"),
    pytest.param(date(2026, 3, 29), time(2, 30), time(4), HALF_HOURS, ["03:30"], SPRING_FRIDAY,
                 id="spring-forward-start-in-the-gap-moves-later"),
    pytest.param(date(2026, 10, 25), time(9), time(12), ONE_WEEK, ["09:00", "10:15"], AUTUMN_FRIDAY,
                 id="fall-back-keeps-local-hours"),
    pytest.param(date(2026, 10, 25), time(1), time(4), HALF_HOURS,
                 ["01:00", "01:30", "02:00", "02:30", "02:00", "02:30", "03:00", "03:30"], AUTUMN_FRIDAY,
                 id="fall-back-works-the-repeated-hour-once-in-real-time"),
])
def test_date_specific_hours_on_dst_days_in_belgrade(day, start, end, rules, expected_wall_clock, now):
    """The same rules as weekly hours: a Sunday of its own (the weekly Sunday offers nothing here)."""
    windows = [WeeklyWindow(SUNDAY, time(18), time(19)), DateWindow(day, start, end)]
    found = [slot for slot in free_slots(windows, [], [], BELGRADE, rules, now) if wall_clock(slot.starts_at).date() == day]
    assert [wall_clock(slot.starts_at).strftime("%H:%M") for slot in found] == expected_wall_clock
    assert all(earlier.ends_at <= later.starts_at for earlier, later in zip(found, found[1:]))
    assert all(is_bookable(slot.starts_at, windows, [], [], BELGRADE, rules, now) for slot in found)


def test_a_date_specific_time_is_bookable_and_its_weekdays_usual_time_is_not():
    windows = [WEDNESDAY_MORNING, DateWindow(date(2026, 1, 14), time(14), time(16))]
    assert is_bookable(datetime(2026, 1, 14, 13, 0), windows, [], [], BELGRADE, ONE_WEEK, WINTER_NOW)
    assert not is_bookable(WINTER_SLOTS[0], windows, [], [], BELGRADE, ONE_WEEK, WINTER_NOW)


@pytest.mark.parametrize(("start", "expected"), [
    pytest.param(datetime(2026, 1, 14, 8, 0), True, id="first-free-slot"),
    pytest.param(datetime(2026, 1, 14, 9, 15), True, id="second-free-slot"),
    pytest.param(datetime(2026, 1, 14, 8, 20), False, id="off-the-slot-grid"),
    pytest.param(datetime(2026, 1, 14, 7, 0), False, id="outside-the-window"),
    pytest.param(datetime(2026, 1, 21, 8, 0), False, id="beyond-the-horizon"),
    pytest.param(datetime(2026, 1, 7, 8, 0), False, id="in-the-past"),
])
def test_only_an_exact_free_slot_start_is_bookable(start, expected):
    assert is_bookable(start, [WEDNESDAY_MORNING], [], [], BELGRADE, ONE_WEEK, WINTER_NOW) is expected


def test_a_slot_next_to_a_session_is_not_bookable():
    busy = [(datetime(2026, 1, 14, 10, 0), datetime(2026, 1, 14, 10, 30))]
    assert not is_bookable(WINTER_SLOTS[1], [WEDNESDAY_MORNING], [], busy, BELGRADE, ONE_WEEK, WINTER_NOW)


@pytest.mark.parametrize(("a", "b", "expected"), [
    pytest.param((9, 10), (10, 11), False, id="touching"),
    pytest.param((9, 11), (10, 12), True, id="partial"),
    pytest.param((9, 12), (10, 11), True, id="nested"),
    pytest.param((9, 10), (11, 12), False, id="apart"),
])
def test_overlaps_treats_intervals_as_half_open(a, b, expected):
    at = [datetime(2026, 1, 14, hour) for hour in (*a, *b)]
    assert overlaps(*at) is expected
    assert overlaps(at[2], at[3], at[0], at[1]) is expected


@pytest.mark.parametrize(("windows", "problem_count"), [
    pytest.param([WEDNESDAY_MORNING, WeeklyWindow(WEDNESDAY, time(12), time(14))], 0, id="touching-windows"),
    pytest.param([WEDNESDAY_MORNING, WeeklyWindow(SUNDAY, time(9), time(12))], 0, id="same-hours-other-day"),
    pytest.param([WeeklyWindow(WEDNESDAY, time(12), time(9))], 1, id="end-before-start"),
    pytest.param([WeeklyWindow(WEDNESDAY, time(9), time(9))], 1, id="empty-window"),
    pytest.param([WeeklyWindow(7, time(9), time(12))], 1, id="weekday-too-high"),
    pytest.param([WeeklyWindow(-1, time(12), time(9))], 2, id="bad-weekday-and-times"),
    pytest.param([WEDNESDAY_MORNING, WeeklyWindow(WEDNESDAY, time(11), time(13))], 1, id="overlap-same-day"),
])
def test_check_windows_reports_each_problem(windows, problem_count):
    assert len(check_windows(windows)) == problem_count


def test_check_windows_names_the_day_of_an_overlap():
    assert check_windows([WEDNESDAY_MORNING, WEDNESDAY_MORNING]) == ["Windows 1 and 2 overlap on Wednesday."]


def test_check_windows_compares_date_specific_hours_by_their_date():
    on_the_14th = DateWindow(date(2026, 1, 14), time(9), time(12))
    assert check_windows([on_the_14th, DateWindow(date(2026, 1, 14), time(11), time(13))]) == [
        "Windows 1 and 2 overlap on 2026-01-14."]
    assert check_windows([on_the_14th, DateWindow(date(2026, 1, 21), time(9), time(12)), WEDNESDAY_MORNING]) == []


@pytest.mark.parametrize("arguments", [{"slot_minutes": 0}, {"buffer_minutes": -5}])
def test_booking_rules_refuse_a_step_that_never_advances(arguments):
    with pytest.raises(ValueError):
        BookingRules(**arguments)


# --- properties -------------------------------------------------------------------------------------

TRANSITIONS_2026 = {  # UTC instants of each zone's clock changes; UTC borrows Europe's to stay comparable
    "Europe/Belgrade": [datetime(2026, 3, 29, 1), datetime(2026, 10, 25, 1)],
    "Europe/Sarajevo": [datetime(2026, 3, 29, 1), datetime(2026, 10, 25, 1)],
    "America/New_York": [datetime(2026, 3, 8, 7), datetime(2026, 11, 1, 6)],
    "Australia/Sydney": [datetime(2026, 4, 4, 16), datetime(2026, 10, 3, 16)],
    "UTC": [datetime(2026, 3, 29, 1), datetime(2026, 10, 25, 1)],
}
FIVE_MINUTES = timedelta(minutes=5)
INSTANT = timedelta(microseconds=1)


def _quarter_hour(index: int) -> time:
    return time(index // 4, index % 4 * 15)


@st.composite
def weekly_windows(draw) -> WeeklyWindow:
    weekday = draw(st.one_of(st.just(SUNDAY), st.integers(0, 6)))  # every 2026 clock change falls on a Sunday
    first = draw(st.one_of(st.integers(0, 12), st.integers(0, 94)))  # small hours hold the clock changes
    last = draw(st.integers(first + 1, 95))
    return WeeklyWindow(weekday, _quarter_hour(first), _quarter_hour(last))


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(sorted(TRANSITIONS_2026)))
    transition = draw(st.sampled_from(TRANSITIONS_2026[zone]))
    # Mostly before the change, so that it falls inside the booking horizon.
    now = transition + timedelta(minutes=draw(st.integers(-40 * 24 * 60, 2 * 24 * 60)))
    near_transition = st.integers(-3 * 24 * 12, 3 * 24 * 12).map(lambda steps: transition + steps * FIVE_MINUTES)
    busy = [(starts_at, starts_at + timedelta(minutes=length))
            for starts_at, length in draw(st.lists(st.tuples(near_transition, st.integers(5, 240)), max_size=6))]
    days_off = [DayOff(now.date() + timedelta(days=first), now.date() + timedelta(days=first + length))
                for first, length in draw(st.lists(st.tuples(st.integers(-2, 40), st.integers(0, 3)), max_size=2))]
    rules = BookingRules(slot_minutes=draw(st.sampled_from([15, 30, 45, 60, 90])),
                         buffer_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
                         min_notice=timedelta(minutes=draw(st.integers(0, 48 * 60))),
                         max_days_ahead=draw(st.integers(0, 40)))
    windows = draw(st.lists(weekly_windows(), min_size=1, max_size=4))
    # Date-specific hours on days around the change, the change's own day most often.
    dated_days = st.one_of(st.just(0), st.integers(-3, 3)).map(lambda offset: transition.date() + timedelta(offset))
    windows += [DateWindow(day, window.start, window.end) for day, window in
                draw(st.lists(st.tuples(dated_days, weekly_windows()), max_size=3))]
    probes = draw(st.lists(near_transition, max_size=4))
    return windows, days_off, busy, zone, rules, now, probes


def _readings(slot: Slot, zone: str) -> list[datetime]:
    """The mentor's clock at every five minutes of the slot and just before each, up to its last moment."""
    moments = [slot.starts_at, slot.ends_at - INSTANT]
    moment = slot.starts_at + FIVE_MINUTES
    while moment < slot.ends_at:
        moments += [moment - INSTANT, moment]
        moment += FIVE_MINUTES
    return [moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)) for moment in moments]


def _lies_inside_a_window(slot: Slot, windows: list, zone: str) -> bool:
    # The clock never reaches the window's end; it reads the start or later, except while it repeats an
    # autumn hour (fold=1) that a window starting at the first occurrence works straight through. A day
    # with date-specific hours has only those.
    readings = _readings(slot, zone)
    day = readings[0].date()
    that_day = ([w for w in windows if isinstance(w, DateWindow) and w.day == day]
                or [w for w in windows if isinstance(w, WeeklyWindow) and w.weekday == day.weekday()])
    return any(all(
        reading.date() == day and reading.time() < window.end and (reading.time() >= window.start or reading.fold)
        for reading in readings) for window in that_day)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_free_slots_keep_every_rule_in_any_zone_around_dst_changes(scenario):
    windows, days_off, busy, zone, rules, now, probes = scenario
    found = free_slots(windows, days_off, busy, zone, rules, now)
    today = wall_clock(now, zone).date()

    assert all(earlier.ends_at <= later.starts_at for earlier, later in zip(found, found[1:]))  # sorted, unique
    for slot in found:
        local_day = wall_clock(slot.starts_at, zone).date()
        assert slot.ends_at - slot.starts_at == rules.slot_length
        assert _lies_inside_a_window(slot, windows, zone)
        assert all(not (slot.starts_at - rules.buffer < ends_at and starts_at < slot.ends_at + rules.buffer)
                   for starts_at, ends_at in busy)
        assert slot.starts_at >= now + rules.min_notice
        assert local_day <= today + timedelta(days=rules.max_days_ahead)
        assert not any(day_off.first_day <= local_day <= day_off.last_day for day_off in days_off)

    starts_at = {slot.starts_at for slot in found}
    samples = found[:: max(1, len(found) // 3)]
    for probe in probes + [slot.starts_at for slot in samples] + [slot.starts_at + FIVE_MINUTES for slot in samples]:
        assert is_bookable(probe, windows, days_off, busy, zone, rules, now) is (probe in starts_at)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_sessions_take_away_exactly_the_times_they_meet(scenario):
    """Completeness beside the rules above: no open time is lost that no session (with its buffer) meets."""
    windows, days_off, busy, zone, rules, now, _probes = scenario
    assume(not check_windows(windows))  # overlapping windows are refused when saved
    open_times = free_slots(windows, days_off, [], zone, rules, now)
    untouched = [slot for slot in open_times if not any(
        overlaps(slot.starts_at - rules.buffer, slot.ends_at + rules.buffer, starts_at, ends_at)
        for starts_at, ends_at in busy)]
    assert free_slots(windows, days_off, busy, zone, rules, now) == untouched
