"""The booking calendar's month and day grouping, without pages: a slot belongs to the day it starts on in
the reader's zone, a month lists its weeks from the language's first weekday, and browsing stays within
the days a slot can fall on."""

from datetime import date, datetime, timedelta

import pytest

from learnhub.mentoring.picking import month_view, parse_day, parse_month, shown_month, slots_by_day
from learnhub.mentoring.slots import Slot


def _slot(start: datetime, minutes: int = 60) -> Slot:
    return Slot(start, start + timedelta(minutes=minutes))


LATE = _slot(datetime(2027, 3, 1, 23, 30))  # Tuesday 00:30 in Belgrade, Monday 18:30 in New York
MORNING = _slot(datetime(2027, 3, 2, 8, 0))
NEXT_WEEK = _slot(datetime(2027, 3, 9, 8, 0))


def test_a_slot_belongs_to_the_day_it_starts_on_where_it_is_read():
    assert slots_by_day([LATE, MORNING], "Europe/Belgrade") == {date(2027, 3, 2): [LATE, MORNING]}
    assert slots_by_day([LATE, MORNING], "America/New_York") == {date(2027, 3, 1): [LATE], date(2027, 3, 2): [MORNING]}
    assert slots_by_day([], "Europe/Belgrade") == {}


def test_a_month_counts_each_days_free_times_in_weeks_from_monday():
    days = slots_by_day([LATE, MORNING, NEXT_WEEK], "Europe/Belgrade")
    view = month_view(days, date(2027, 3, 1), first_day=date(2027, 3, 1), last_day=date(2027, 3, 31))
    assert len(view.weeks) == 5 and all(len(week) == 7 for week in view.weeks)
    first_week = view.weeks[0]
    assert [day.day.day for day in first_week] == [1, 2, 3, 4, 5, 6, 7]  # 1 March 2027 is a Monday
    assert [day.slot_count for day in first_week] == [0, 2, 0, 0, 0, 0, 0]
    assert view.weeks[1][1].slot_count == 1 and view.has_slots
    assert view.weeks[-1][3] is None  # 31 March is a Wednesday: the rest of that week is April's


def test_a_week_can_start_on_sunday_where_that_is_the_custom():
    view = month_view({}, date(2027, 3, 1), date(2027, 3, 1), date(2027, 3, 31), first_weekday=6)
    assert view.weeks[0][0] is None and view.weeks[0][1].day == date(2027, 3, 1)
    assert not view.has_slots


def test_days_before_today_and_beyond_the_horizon_are_out_of_reach():
    view = month_view({}, date(2027, 3, 1), first_day=date(2027, 3, 10), last_day=date(2027, 3, 20))
    reach = {day.day.day: day.is_within_reach for week in view.weeks for day in week if day}
    assert not reach[9] and reach[10] and reach[20] and not reach[21]


@pytest.mark.parametrize("month, previous, following", [
    (date(2027, 3, 1), None, date(2027, 4, 1)),  # today's month: nothing earlier to book
    (date(2027, 4, 1), date(2027, 3, 1), None),  # the horizon's month: nothing later
])
def test_browsing_stops_at_today_and_at_the_horizon(month, previous, following):
    view = month_view({}, month, first_day=date(2027, 3, 20), last_day=date(2027, 4, 19))
    assert (view.previous_month, view.next_month) == (previous, following)


def test_a_month_across_a_year_end_links_to_its_neighbours():
    view = month_view({}, date(2026, 12, 1), first_day=date(2026, 11, 20), last_day=date(2027, 1, 19))
    assert (view.previous_month, view.next_month) == (date(2026, 11, 1), date(2027, 1, 1))


def test_the_month_shown_is_the_one_asked_for_kept_within_reach_else_that_of_the_first_free_day():
    days = slots_by_day([NEXT_WEEK], "Europe/Belgrade")
    first, last = date(2027, 2, 26), date(2027, 3, 28)
    assert shown_month(None, first, last, days) == date(2027, 3, 1)  # the first free day is in March
    assert shown_month(None, first, last, {}) == date(2027, 2, 1)
    assert shown_month(date(2027, 2, 14), first, last, days) == date(2027, 2, 1)
    assert shown_month(date(2020, 1, 1), first, last, days) == date(2027, 2, 1)
    assert shown_month(date(2031, 1, 1), first, last, days) == date(2027, 3, 1)


@pytest.mark.parametrize("text, expected", [
    ("2027-03", date(2027, 3, 1)), ("2027-3", date(2027, 3, 1)), ("2027-13", None), ("march", None), ("", None),
    (None, None), ("0000-01", None),
])
def test_a_month_in_a_link_is_a_year_and_a_month_or_nothing(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2027-03-09", date(2027, 3, 9)), ("2027-02-30", None), ("2027-3-9", None), ("9999-99-99", None), (None, None),
])
def test_a_day_in_a_link_is_a_date_or_nothing(text, expected):
    assert parse_day(text) == expected
