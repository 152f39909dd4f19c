"""The availability editor as a mentor uses it: a week grid of time ranges, date-specific hours, days off
and booking rules; add, remove and copy without saving; each mistake at its box with everything typed
kept (422, nothing saved); a preview of the next two weeks that saves nothing."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from learnhub.dates import format_day
from learnhub.extensions import db
from learnhub.mail.services import send_pending
from learnhub.mentoring import availability, booking
from learnhub.mentoring.models import (
    AvailabilityWindow,
    BusyCalendar,
    BusyInterval,
    MentorDayOff,
    MentoringProgramme,
    MentorProfile,
    ProgrammeMentor,
)
from learnhub.mentoring.slots import DateWindow, DayOff, WeeklyWindow
from learnhub.people.models import Role, User
from learnhub.timeutil import local_to_utc, utc_to_local, utcnow
from tests.factories import OrganisationFactory, ProgrammeFactory, UserFactory, member_of

ZONE = "Europe/Belgrade"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
URL = "/mentoring/availability"
RULES = {"slot_minutes": "60", "buffer_minutes": "15", "min_notice_hours": "0", "max_days_ahead": "30",
         "max_sessions_per_mentee_per_month": "2"}


@pytest.fixture
def mentor(client, auth):
    """A signed-in mentor of a programme with weekday mornings (09:00-12:00) saved, and a mentee."""
    mentor = UserFactory(email="amra@example.org", roles=[Role.MENTOR], time_zone=ZONE)
    organisation = OrganisationFactory()
    ProgrammeFactory(mentor=mentor, organisation=organisation)
    member_of(organisation, email="nikola@example.org")
    db.session.commit()
    auth.login("amra@example.org")
    return mentor


def _today() -> date:
    return utc_to_local(utcnow(), ZONE).date()


def _next(weekday: int, after_days: int = 2) -> date:
    """The first such weekday at least `after_days` from today."""
    day = _today() + timedelta(days=after_days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _form(week=None, dates=(), days_off=(), **rules) -> dict[str, str]:
    """What the page sends: `week` maps a weekday to its (start, end) rows; `dates` holds (day, rows)."""
    data = {}
    for weekday, rows in (week or {}).items():
        for row, (start, end) in enumerate(rows):
            data |= {f"{DAYS[weekday]}-ranges-{row}-start": start, f"{DAYS[weekday]}-ranges-{row}-end": end}
    for index, (day, rows) in enumerate(dates):
        data[f"dates-{index}-day"] = day
        for row, (start, end) in enumerate(rows):
            data |= {f"dates-{index}-ranges-{row}-start": start, f"dates-{index}-ranges-{row}-end": end}
    for index, (first, last, note) in enumerate(days_off):
        data |= {f"days_off-{index}-first_day": first, f"days_off-{index}-last_day": last,
                 f"days_off-{index}-note": note}
    return data | RULES | rules


def mentor_programme(mentor) -> MentoringProgramme:
    return db.session.scalar(select(MentoringProgramme).join(ProgrammeMentor)
                             .where(ProgrammeMentor.user_id == mentor.id))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A time on the mentor's clock, as stored (naive UTC)."""
    return local_to_utc(datetime.combine(day, time(hour, minute)), ZONE)


def _saved(mentor) -> tuple:
    db.session.expire_all()
    profile = db.session.get(MentorProfile, mentor.id)
    return ([(w.weekday, w.day, w.start, w.end) for w in sorted(profile.windows, key=lambda w: (w.day or date.min,
                                                                                               w.weekday, w.start))],
            [(d.first_day, d.last_day, d.note) for d in profile.days_off],
            {name: getattr(profile, name) for name in availability.RULE_LIMITS})


def _value(page: str, field_id: str) -> str | None:
    match = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page)
    assert match, f"no {field_id} on the page"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def _errors_at(page: str, field_id: str) -> list[str]:
    """The messages shown at a box, which its input names in aria-describedby."""
    box = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page).group(0)
    described_by = re.search(r'aria-describedby="([^"]*)"', box).group(1).split()
    assert f"{field_id}-errors" in described_by and 'aria-invalid="true"' in box
    block = re.search(rf'<div id="{field_id}-errors">(.*?)</div>', page, re.S).group(1)
    return re.findall(r'<p class="error">(.*?)</p>', block)


# --- showing and saving ---------------------------------------------------------------------------------

def test_the_grid_shows_the_saved_week_and_what_is_ahead(mentor, client):
    today = _today()
    profile = db.session.get(MentorProfile, mentor.id)
    profile.windows.append(AvailabilityWindow(weekday=0, start=time(14), end=time(16)))
    later = _next(5)
    profile.windows += [AvailabilityWindow(weekday=later.weekday(), day=later, start=time(10), end=time(13)),
                        AvailabilityWindow(weekday=0, day=today - timedelta(days=7), start=time(8), end=time(9))]
    profile.days_off = [MentorDayOff(first_day=today - timedelta(days=9), last_day=today - timedelta(days=8)),
                        MentorDayOff(first_day=today + timedelta(days=20), last_day=today + timedelta(days=22),
                                     note="Godišnji odmor")]
    db.session.commit()

    page = client.get(URL).get_data(as_text=True)
    assert [_value(page, f"monday-ranges-{row}-{part}") for row in (0, 1) for part in ("start", "end")] == [
        "09:00", "12:00", "14:00", "16:00"]
    assert _value(page, "saturday-ranges-0-start") == ""  # Saturday: one empty row to type into
    assert _value(page, "dates-0-day") == later.isoformat() and _value(page, "dates-0-ranges-0-end") == "13:00"
    assert 'id="dates-1-day"' not in page  # date-specific hours that have passed are not shown
    assert _value(page, "days_off-0-first_day") == (today + timedelta(days=20)).isoformat()
    assert _value(page, "days_off-0-note") == "Godišnji odmor" and 'id="days_off-1-first_day"' not in page
    assert "free times in the next two weeks" in page


def test_saving_reads_times_typed_by_hand_and_stores_dates_and_days_off(mentor, client):
    saturday, off = _next(5), _next(2)
    response = client.post(URL, data=_form(
        {0: [("9", "12.30"), ("14-17", "")], 2: [("08:00", "10:00")]},
        dates=[(saturday.isoformat(), [("10", "12")])],
        days_off=[(off.strftime("%d.%m.%Y"), "", "Supervizija")], buffer_minutes="0", max_days_ahead="20"))
    assert response.status_code == 302
    assert "Availability saved." in client.get(URL).get_data(as_text=True)
    windows, days_off, rules = _saved(mentor)
    assert windows == [(0, None, time(9), time(12, 30)), (0, None, time(14), time(17)),
                       (2, None, time(8), time(10)), (5, saturday, time(10), time(12))]
    assert days_off == [(off, off, "Supervizija")]
    assert rules["buffer_minutes"] == 0 and rules["max_days_ahead"] == 20

    # Mentees are offered the Saturday's hours and nothing on the day off.
    programme = mentor_programme(mentor)
    _mentor, slots = availability.programme_mentor_slots(programme, mentor.id, utcnow())
    local_days = {utc_to_local(slot.starts_at, ZONE).date() for slot in slots}
    assert saturday in local_days and off not in local_days
    assert [utc_to_local(s.starts_at, ZONE).time() for s in slots if utc_to_local(s.starts_at, ZONE).date() == saturday
            ] == [time(10), time(11)]


def test_saving_leaves_out_days_off_and_dates_that_have_passed(mentor, client):
    today = _today()
    profile = db.session.get(MentorProfile, mentor.id)
    profile.days_off = [MentorDayOff(first_day=today - timedelta(days=9), last_day=today - timedelta(days=8))]
    profile.windows.append(AvailabilityWindow(weekday=0, day=today - timedelta(days=7), start=time(8), end=time(9)))
    db.session.commit()
    assert client.post(URL, data=_form({0: [("09:00", "12:00")]})).status_code == 302
    windows, days_off, _rules = _saved(mentor)
    assert windows == [(0, None, time(9), time(12))] and days_off == []


# --- mistakes at their boxes ------------------------------------------------------------------------------

def test_a_refused_save_shows_each_problem_at_its_box_keeps_what_was_typed_and_saves_nothing(mentor, client):
    before = _saved(mentor)
    typed = _form({0: [("09:00", "12:00"), ("15:00", "14:00")], 1: [("09:00", "12:00"), ("11", "13")],
                   3: [("noon", "13:00")]}, slot_minutes="600")
    response = client.post(URL, data=typed)
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert _errors_at(page, "monday-ranges-1-end") == ["Monday, range 2: the end must be after the start"]
    assert _errors_at(page, "tuesday-ranges-1-start") == ["Tuesday, range 2: it overlaps range 1"]
    assert _errors_at(page, "thursday-ranges-0-start") == ["Thursday: please enter a time such as 09:00 or 14:30"]
    assert _errors_at(page, "slot_minutes") == ["Please enter a whole number from 15 to 480."]
    # Everything typed is still there, readable times as a time input shows them.
    assert [_value(page, f"monday-ranges-1-{part}") for part in ("start", "end")] == ["15:00", "14:00"]
    assert [_value(page, f"tuesday-ranges-1-{part}") for part in ("start", "end")] == ["11:00", "13:00"]
    assert _value(page, "thursday-ranges-0-start") == "noon" and _value(page, "slot_minutes") == "600"
    # Listed above the form too, each leading to its box.
    assert '<a href="#monday-ranges-1-end">Monday, range 2: the end must be after the start</a>' in page
    assert "4 things need changing before this can be saved" in page
    assert _saved(mentor) == before


@pytest.mark.parametrize(("typed", "field_id", "message"), [
    pytest.param({"days_off": [("2031-05-09", "2031-05-05", "")]}, "days_off-0-last_day",
                 "Day off 1: the last day cannot be before the first", id="day-off-backwards"),
    pytest.param({"days_off": [("2020-01-01", "", "")]}, "days_off-0-first_day",
                 "Day off 1: this date has passed", id="day-off-passed"),
    pytest.param({"days_off": [("", "", "Odmor")]}, "days_off-0-first_day",
                 "Day off 1: please enter the first day", id="day-off-without-a-day"),
    pytest.param({"days_off": [("2031-05-05", "", "x" * 201)]}, "days_off-0-note",
                 "Day off 1: please keep the note under 200 characters", id="long-note"),
    pytest.param({"dates": [("2020-01-01", [("10:00", "12:00")])]}, "dates-0-day",
                 "Date 1: this date has passed", id="date-passed"),
    pytest.param({"dates": [("", [("10:00", "12:00")])]}, "dates-0-day",
                 "Date 1: please enter the date", id="date-missing"),
    pytest.param({"dates": [("2031-05-05", [("", "")])]}, "dates-0-day",
                 "Mon, May 5, 2031: please enter the hours for this date, or add it as a day off", id="date-without-hours"),
    pytest.param({"dates": [("2031-05-05", [("10:00", "12:00")])], "days_off": [("2031-05-01", "2031-05-09", "")]},
                 "dates-0-day", "Mon, May 5, 2031: this date is a day off: remove one of the two", id="date-on-a-day-off"),
    pytest.param({"dates": [("2031-05-05", [("10:00", "12:00")]), ("2031-05-05", [("14:00", "15:00")])]},
                 "dates-1-day", "Mon, May 5, 2031: this date is listed above already: add the ranges there",
                 id="date-twice"),
    pytest.param({"dates": [("2031-05-05", [("10:00", "12:00"), ("09:00", "10:30")])]}, "dates-0-ranges-1-start",
                 "Mon, May 5, 2031, range 2: it overlaps range 1", id="date-ranges-overlap"),
])
def test_dates_and_days_off_are_checked_at_their_boxes(mentor, client, typed, field_id, message):
    before = _saved(mentor)
    response = client.post(URL, data=_form(**typed))
    assert response.status_code == 422
    assert _errors_at(response.get_data(as_text=True), field_id) == [message]
    assert _saved(mentor) == before


def test_the_rules_are_explained_at_their_fields(mentor, client):
    page = client.get(URL).get_data(as_text=True)
    for explanation in ("How long each individual session lasts.", "Kept free after each session",
                        "Nobody can book a time that starts sooner than this", "How many days ahead",
                        "The most individual sessions one mentee can book with you in a calendar month."):
        assert explanation in page


# --- adding, removing and copying rows, saving nothing -------------------------------------------------------

def test_adding_a_range_shows_one_more_row_with_the_keyboard_on_it_and_saves_nothing(mentor, client):
    before = _saved(mentor)
    response = client.post(URL, data=_form({0: [("09:00", "12:00")], 1: [("25", "")]}) | {"edit": "monday-add"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<input[^>]*autofocus[^>]*id="monday-ranges-1-start"', page)
    assert _value(page, "monday-ranges-1-start") == "" and _value(page, "tuesday-ranges-0-start") == "25"
    assert 'class="error"' not in page  # nothing is checked until Preview or Save
    assert _saved(mentor) == before


def test_copying_a_day_gives_monday_to_friday_its_ranges_and_leaves_the_weekend(mentor, client):
    response = client.post(URL, data=_form({2: [("08:00", "10:00"), ("13", "15")], 4: [("07:00", "08:00")],
                                            6: [("10:00", "11:00")]}) | {"edit": "wednesday-copy"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for weekday in range(5):
        assert [_value(page, f"{DAYS[weekday]}-ranges-{row}-{part}") for row in (0, 1) for part in ("start", "end")] == [
            "08:00", "10:00", "13:00", "15:00"]
    assert _value(page, "sunday-ranges-0-start") == "10:00" and _value(page, "saturday-ranges-0-start") == ""


@pytest.mark.parametrize(("typed", "edit", "expected"), [
    pytest.param({"week": {0: [("09:00", "10:00"), ("11:00", "12:00")]}}, "monday-ranges-0-remove",
                 {"monday-ranges-0-start": "11:00"}, id="remove-a-range"),
    pytest.param({"week": {0: [("09:00", "10:00")]}}, "monday-ranges-0-remove",
                 {"monday-ranges-0-start": ""}, id="removing-the-only-range-empties-it"),
    pytest.param({}, "dates-add", {"dates-1-day": ""}, id="add-a-date"),
    pytest.param({"dates": [("2031-05-05", [("10", "11")])]}, "dates-0-add", {"dates-0-ranges-1-start": ""},
                 id="add-a-range-to-a-date"),
    pytest.param({"dates": [("2031-05-05", [("10", "11")]), ("2031-05-06", [("12", "13")])]}, "dates-0-remove",
                 {"dates-0-day": "2031-05-06"}, id="remove-a-date"),
    pytest.param({"days_off": [("2031-05-05", "", "a"), ("2031-06-01", "", "b")]}, "days_off-0-remove",
                 {"days_off-0-note": "b"}, id="remove-a-day-off"),
    pytest.param({}, "days_off-add", {"days_off-1-first_day": ""}, id="add-a-day-off"),
])
def test_rows_are_added_and_removed_without_saving(mentor, client, typed, edit, expected):
    before = _saved(mentor)
    response = client.post(URL, data=_form(**typed) | {"edit": edit})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert {field_id: _value(page, field_id) for field_id in expected} == expected
    assert _saved(mentor) == before


@pytest.mark.parametrize("edit", ["someday-add", "monday-ranges-3-remove", "monday-remove", "days_off-0-copy",
                                  "dates-0-ranges-0-copy", "saturday-copy", "drop-tables", "monday-ranges-0-add"])
def test_a_change_that_cannot_be_made_is_refused_on_the_page_and_changes_nothing(mentor, client, edit):
    before = _saved(mentor)
    response = client.post(URL, data=_form({0: [("09:00", "12:00")]}) | {"edit": edit})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "That change could not be made" in page and _value(page, "monday-ranges-0-start") == "09:00"
    assert _saved(mentor) == before


def test_a_day_takes_at_most_six_ranges_and_only_possible_buttons_are_offered(mentor, client):
    six = [(f"{hour:02}:00", f"{hour:02}:30") for hour in range(8, 14)]
    response = client.post(URL, data=_form({0: six}) | {"edit": "monday-add"})
    assert response.status_code == 400
    page = client.post(URL, data=_form({0: six}) | {"edit": "tuesday-add"}).get_data(as_text=True)
    assert 'value="monday-add"' not in page and 'value="tuesday-add"' in page
    assert 'value="monday-copy"' in page and 'value="thursday-copy"' not in page  # an empty day has nothing to copy
    assert 'value="thursday-ranges-0-remove"' not in page  # nor an empty only row anything to remove


# --- preview -------------------------------------------------------------------------------------------------

def _preview_times(page: str, day: date) -> list[str]:
    """The times the preview shows on a day, or what it says instead."""
    with force_locale("en"):
        label = format_day(day)
    row = re.search(rf"<strong>{re.escape(label)}</strong>\s*<div>(.*?)</div>\s*</li>", page, re.S)
    assert row, f"{label} is not in the preview"
    return re.findall(r"<li>([^<]+)</li>", row.group(1)) or [re.sub(r"<[^>]+>|\s+", " ", row.group(1)).strip()]


def test_preview_shows_the_typed_hours_around_sessions_and_busy_calendars_and_saves_nothing(mentor, client):
    monday, wednesday, saturday = _next(0), _next(2), _next(5)
    mentee = db.session.scalar(select(User).where(User.email == "nikola@example.org"))
    programme = mentor_programme(mentor)
    booking.book_slot(mentee, programme.id, mentor.id, _at(monday, 9))
    calendar = BusyCalendar(mentor_id=mentor.id, kind="ics", url="https://example.org/busy.ics")
    db.session.add(calendar)
    db.session.flush()
    db.session.add(BusyInterval(calendar_id=calendar.id, mentor_id=mentor.id,
                                starts_at=_at(wednesday, 14, 30), ends_at=_at(wednesday, 15)))
    db.session.commit()
    before = _saved(mentor)

    typed = _form({0: [("09:00", "12:00")], 2: [("13:00", "18:00")]}, dates=[(saturday.isoformat(), [("10", "11")])],
                  days_off=[(_next(4).isoformat(), "", "Supervizija")])
    response = client.post(URL, data=typed | {"preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _preview_times(page, monday) == ["10:15 AM"]  # the session at 9:00 and its break take the first hour
    # 14:30-15:00 is busy in another calendar: the 14:15 slot with its break would meet it.
    assert _preview_times(page, wednesday) == ["1:00 PM", "3:30 PM", "4:45 PM"]
    assert _preview_times(page, saturday)[-1] == "10:00 AM"
    assert _preview_times(page, _next(4)) == ["Day off: Supervizija"]
    assert _value(page, "dates-0-ranges-0-start") == "10:00"  # the form is still there to change or save
    assert _saved(mentor) == before


def test_preview_says_which_days_are_beyond_the_booking_horizon(mentor, client):
    page = client.post(URL, data=_form({d: [("09:00", "10:00")] for d in range(7)}, max_days_ahead="3")
                       | {"preview": "1"}).get_data(as_text=True)
    assert _preview_times(page, _today() + timedelta(days=4)) == ["Not bookable yet: beyond your booking horizon"]
    assert _preview_times(page, _today() + timedelta(days=3)) == ["9:00 AM"]


def test_a_preview_of_a_mistake_shows_it_at_its_box(mentor, client):
    response = client.post(URL, data=_form({0: [("12:00", "09:00")]}) | {"preview": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _errors_at(page, "monday-ranges-0-end") == ["Monday: the end must be after the start"]
    assert "The preview appears when the marked problems are fixed." in page


def test_live_preview_sends_the_days_and_the_status_line(mentor, client):
    response = client.post(f"{URL}/preview", data=_form({d: [("09:00", "10:00")] for d in range(7)}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert '<p id="preview-status" role="status" hx-swap-oob="innerHTML">' in page
    assert "free times in the next two weeks." in page and page.count("<li>9:00 AM</li>") >= 13

    wrong = client.post(f"{URL}/preview", data=_form({0: [("12:00", "09:00")]})).get_data(as_text=True)
    assert "The preview appears when the marked problems are fixed." in wrong
    assert '<a href="#monday-ranges-0-end">Monday: the end must be after the start</a>' in wrong


def test_the_page_and_its_preview_do_not_grow_with_sessions_windows_or_days_off(mentor, client, count_queries):
    def queries(url: str, data: dict | None = None) -> int:
        with count_queries() as statements:
            response = client.post(url, data=data) if data else client.get(url)
        assert response.status_code == 200
        return len(statements)

    typed = _form({0: [("09:00", "12:00")]})
    few = (queries(URL), queries(f"{URL}/preview", typed))
    mentee = db.session.scalar(select(User).where(User.email == "nikola@example.org"))
    programme = mentor_programme(mentor)
    for weekday in (0, 1):
        booking.book_slot(mentee, programme.id, mentor.id, _at(_next(weekday), 9))
    profile = db.session.get(MentorProfile, mentor.id)
    profile.windows += [AvailabilityWindow(weekday=5, start=time(hour), end=time(hour, 30)) for hour in (9, 10, 11)]
    profile.days_off = [MentorDayOff(first_day=_next(3, after_days=days), last_day=_next(3, after_days=days))
                        for days in (7, 14, 21)]
    db.session.commit()
    send_pending()  # the bookings' invitations, which the next request would otherwise send
    assert (queries(URL), queries(f"{URL}/preview", typed)) == few
    assert few[0] <= 7 and few[1] <= 7


@pytest.mark.parametrize("plan", [
    pytest.param(lambda: availability.AvailabilityPlan((WeeklyWindow(0, time(9), time(12)),
                                                        WeeklyWindow(0, time(11), time(13)))), id="overlap"),
    pytest.param(lambda: availability.AvailabilityPlan((DateWindow(date(2031, 5, 5), time(12), time(9)),)),
                 id="date-window-backwards"),
    pytest.param(lambda: availability.AvailabilityPlan(days_off=(DayOff(date(2031, 5, 9), date(2031, 5, 5)),)),
                 id="day-off-backwards"),
    pytest.param(lambda: availability.BookingSettings(slot_minutes=5), id="settings-out-of-range"),
])
def test_a_plan_is_checked_once_whoever_builds_it(plan):
    """The form says each problem in words; code that builds a plan itself fails loudly, never saves it."""
    with pytest.raises(ValueError):
        plan()
