"""Reading what a mentor types into the availability editor: times as browsers send them and as people type
them by hand, ranges per day with each problem at its box, days off and dates."""

from datetime import date, time

import pytest

from learnhub.mentoring.hours import (
    Problem,
    parse_clock,
    parse_day,
    read_date,
    read_day_off,
    read_ranges,
    tidy_day,
    tidy_range,
)

TODAY = date(2027, 3, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("09:30", time(9, 30)),  # what <input type="time"> sends
    ("9", time(9)),
    ("14", time(14)),
    (" 9:05 ", time(9, 5)),
    ("9.30", time(9, 30)),
    ("9h", time(9)),
    ("9h30", time(9, 30)),
    ("930", time(9, 30)),
    ("1730", time(17, 30)),
    ("0:00", time(0)),
    ("23:59", time(23, 59)),
])
def test_a_time_typed_by_hand_is_read_as_it_plainly_means(app, text, expected):
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["", "24:00", "25", "9:60", "noon", "9:5", "12345", "-1", "9-12"])
def test_what_is_no_time_of_day_is_refused_with_an_example(app, text):
    with pytest.raises(ValueError, match="such as 09:00 or 14:30"):
        parse_clock(text)


def test_ranges_are_read_row_by_row_and_blank_rows_are_left_out(app):
    assert read_ranges([("09:00", "12:00"), ("", ""), ("13", "17")]) == (
        [(0, time(9), time(12)), (2, time(13), time(17))], [])


@pytest.mark.parametrize("typed", ["14-17", "14 – 17", "14:00-17:00", "14.00—17.00"])
def test_a_whole_range_typed_into_the_start_box_is_that_range(app, typed):
    assert read_ranges([(typed, "")]) == ([(0, time(14), time(17))], [])


@pytest.mark.parametrize(("rows", "expected"), [
    pytest.param([("12:00", "09:00")], [Problem(0, "end", "the end must be after the start")], id="end-before-start"),
    pytest.param([("09:00", "09:00")], [Problem(0, "end", "the end must be after the start")], id="empty-range"),
    pytest.param([("09:00", "")], [Problem(0, "end", "please enter the end too")], id="no-end"),
    pytest.param([("", "12:00")], [Problem(0, "start", "please enter the start too")], id="no-start"),
    pytest.param([("9:75", "25")], [Problem(0, "start", "please enter a time such as 09:00 or 14:30"),
                                     Problem(0, "end", "please enter a time such as 09:00 or 14:30")],
                 id="both-unreadable"),
    pytest.param([("09:00", "12:00"), ("11:00", "13:00")], [Problem(1, "start", "it overlaps range 1")],
                 id="overlap-at-the-later-range"),
    pytest.param([("09:00", "12:00"), ("", ""), ("08:00", "18:00")], [Problem(2, "start", "it overlaps range 1")],
                 id="overlap-names-the-row-shown"),
])
def test_each_problem_is_placed_at_the_box_to_change(app, rows, expected):
    assert read_ranges(rows)[1] == expected


def test_ranges_that_only_touch_do_not_overlap(app):
    assert read_ranges([("09:00", "12:00"), ("12:00", "13:00")])[1] == []


def test_a_refused_range_is_left_out_and_the_others_are_read(app):
    ranges, problems = read_ranges([("09:00", "12:00"), ("15", "14"), ("16", "17")])
    assert ranges == [(0, time(9), time(12)), (2, time(16), time(17))] and len(problems) == 1


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("9", "12.30", ("09:00", "12:30")),
    ("14-17", "", ("14:00", "17:00")),
    ("noon", "13", ("noon", "13:00")),  # unreadable stays as typed, for the message beside it
    ("", "", ("", "")),
])
def test_boxes_are_tidied_to_what_a_time_input_shows(app, start, end, expected):
    assert tidy_range(start, end) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2027-03-05", date(2027, 3, 5)),  # what <input type="date"> sends
    ("5.3.2027", date(2027, 3, 5)),
    ("5. 3. 2027.", date(2027, 3, 5)),
    ("05/03/2027", date(2027, 3, 5)),
])
def test_a_date_is_read_as_pickers_send_it_and_as_people_write_it_here(app, text, expected):
    assert parse_day(text, TODAY) == expected
    assert tidy_day(text, TODAY) == expected.isoformat()


@pytest.mark.parametrize(("text", "message"), [
    ("2027-02-30", "please enter a date such as 2027-03-01"),
    ("tomorrow", "please enter a date such as 2027-03-01"),
    ("0001-01-01", "please enter a date between 1900 and 2037"),
    ("9999-12-31", "please enter a date between 1900 and 2037"),
])
def test_what_is_no_plausible_date_is_refused(app, text, message):
    with pytest.raises(ValueError, match=message):
        parse_day(text, TODAY)


def test_date_specific_hours_are_for_today_or_later(app):
    assert read_date("2027-03-01", TODAY) == TODAY
    with pytest.raises(ValueError, match="this date has passed"):
        read_date("2027-02-28", TODAY)


@pytest.mark.parametrize(("first", "last", "expected"), [
    pytest.param("2027-03-05", "", (date(2027, 3, 5), date(2027, 3, 5)), id="one-day"),
    pytest.param("2027-03-05", "2027-03-09", (date(2027, 3, 5), date(2027, 3, 9)), id="a-stretch"),
    pytest.param("2027-02-20", "2027-03-03", (date(2027, 2, 20), date(2027, 3, 3)), id="leave-already-begun"),
    pytest.param("", "2027-03-09", Problem(0, "first_day", "please enter the first day"), id="no-first-day"),
    pytest.param("2027-03-09", "2027-03-05", Problem(0, "last_day", "the last day cannot be before the first"),
                 id="backwards"),
    pytest.param("2027-02-20", "", Problem(0, "first_day", "this date has passed"), id="past-day"),
    pytest.param("2027-02-20", "2027-02-22", Problem(0, "last_day", "this date has passed"), id="past-stretch"),
    pytest.param("2027-03-05", "soon", Problem(0, "last_day", "please enter a date such as 2027-03-01"),
                 id="unreadable-last-day"),
])
def test_days_off(app, first, last, expected):
    assert read_day_off(first, last, TODAY) == expected
