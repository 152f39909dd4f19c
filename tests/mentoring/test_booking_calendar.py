"""Booking through the month calendar: free days marked with their full dates, a day's times in the zone
the mentee chooses, a confirmation naming mentor, time, zone and place, a note only the mentor reads, and
every refusal answered on the calendar with the note kept."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.mail.services import send_pending
from learnhub.mentoring import booking, offers
from learnhub.mentoring.models import MentoringSession, MentorProfile
from learnhub.mentoring.picking import slots_by_day
from learnhub.people.models import Role
from learnhub.timeutil import utc_to_local, utcnow
from tests.factories import UserFactory

NOTE = "I would like to talk about involving parents in the daily plan."


@pytest.fixture
def world(world):
    """The mentoring world with an institute admin."""
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    db.session.commit()
    return world


def _urls(programme, mentor) -> tuple[str, str]:
    base = f"/mentoring/programmes/{programme.id}/mentors/{mentor.id}"
    return f"{base}/slots", f"{base}/book"


def _offered(programme, mentor, mentee, zone="Europe/Belgrade"):
    return offers.booking_offer(mentee, programme.id, mentor.id, zone, utcnow())[1].slots


def _full_date(day) -> str:
    return format_date(day, "full", locale="en")


def test_the_calendar_marks_each_free_day_with_its_full_date_and_number_of_times(world, client, auth):
    programme, mentor, mentee, _other = world
    slots_url, _book_url = _urls(programme, mentor)
    auth.login("mentee@example.org")
    page = client.get(slots_url).get_data(as_text=True)
    days = slots_by_day(_offered(programme, mentor, mentee), "Europe/Belgrade")
    first_day = next(iter(days))
    shown = [day for day in days if day.replace(day=1) == first_day.replace(day=1)]
    labels = re.findall(r'aria-label="([^"]+): (\d+) free times?"', page)
    assert labels == [(_full_date(day), str(len(days[day]))) for day in shown]
    assert '<table class="month" aria-labelledby="month-heading">' in page
    assert first_day.strftime("%B %Y") in page and 'abbr title="Monday"' in page
    assert 'aria-current="date"' not in page  # no day is chosen yet


def test_choosing_a_day_shows_its_times_in_the_chosen_zone_named_and_kept_in_every_link(world, client, auth):
    programme, mentor, mentee, _other = world
    slots_url, _book_url = _urls(programme, mentor)
    auth.login("mentee@example.org")
    zone = "America/New_York"
    days = slots_by_day(_offered(programme, mentor, mentee, zone), zone)
    day, times = next(iter(days.items()))
    response = client.get(f"{slots_url}?zone={zone}&day={day.isoformat()}&focus=day", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page  # htmx swaps the calendar only
    assert page.startswith('<div id="picker"') or '<div id="picker"' in page[:400]
    local = utc_to_local(times[0].starts_at, zone)
    assert f"{local:%-I}:00 {local:%p}" in page and "America/New_York (E" in page
    assert 'aria-current="date"' in page and 'id="day-heading" tabindex="-1" autofocus' in page
    assert '<option value="America/New_York" selected>' in page
    restored = client.get(f"{slots_url}?zone={zone}", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restored.get_data(as_text=True)  # going back to a page htmx no longer holds: all of it
    links = re.findall(r'href="([^"]*/slots\?[^"]*)"', page)
    assert links and all(f"zone={quote(zone, safe='')}" in link for link in links)


def test_an_unknown_zone_shows_the_persons_own(world, client, auth):
    programme, mentor, _mentee, _other = world
    slots_url, _book_url = _urls(programme, mentor)
    auth.login("mentee@example.org")
    response = client.get(f"{slots_url}?zone=Mars/Olympus&month=99999-1&day=nope")
    assert response.status_code == 200 and "Europe/Belgrade (CE" in response.get_data(as_text=True)


def test_without_javascript_the_month_is_a_plain_list_of_days_with_their_times(world, client, auth):
    programme, mentor, mentee, _other = world
    slots_url, book_url = _urls(programme, mentor)
    auth.login("mentee@example.org")
    page = client.get(slots_url).get_data(as_text=True)
    plain = page[page.index('<div class="day-list">'):]
    days = slots_by_day(_offered(programme, mentor, mentee), "Europe/Belgrade")
    first_month = next(iter(days)).replace(day=1)
    for day, times in days.items():
        if day.replace(day=1) == first_month:
            assert f"<h3>{_full_date(day)}</h3>" in plain
            for slot in times:
                assert f'name="starts_at" value="{slot.starts_at.isoformat()}"' in plain
    assert f'<form method="get" action="{book_url}">' in plain  # choosing a time is a plain GET
    assert 'src="/static/scripting.js' in page


def test_months_can_be_browsed_from_today_to_the_mentors_horizon_only(world, client, auth):
    programme, mentor, _mentee, _other = world
    slots_url, _book_url = _urls(programme, mentor)
    profile = db.session.get(MentorProfile, mentor.id)
    profile.max_days_ahead = 60
    db.session.commit()
    auth.login("mentee@example.org")
    today = utcnow().date()
    first = client.get(f"{slots_url}?month={today:%Y-%m}").get_data(as_text=True)
    assert 'rel="prev"' not in first and 'rel="next"' in first
    last = client.get(f"{slots_url}?month=2099-01").get_data(as_text=True)  # beyond the horizon: its last month
    horizon = today + timedelta(days=61)
    assert horizon.strftime("%B %Y") in last and 'rel="next"' not in last and 'rel="prev"' in last


def test_the_confirmation_names_mentor_day_times_zone_and_place(world, client, auth):
    programme, mentor, mentee, _other = world
    _slots_url, book_url = _urls(programme, mentor)
    slot = _offered(programme, mentor, mentee, "Europe/Sarajevo")[0]
    auth.login("mentee@example.org")
    response = client.get(f"{book_url}?starts_at={slot.starts_at.isoformat()}&zone=Europe/Sarajevo")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    local_start, local_end = utc_to_local(slot.starts_at, "Europe/Sarajevo"), utc_to_local(slot.ends_at, "Europe/Sarajevo")
    for fact in ("Amra Mentor", _full_date(local_start.date()), f"{local_start:%-I}:00 AM–{local_end:%-I}:00 AM",
                 "Europe/Sarajevo (CE", "video room made for this session", "A note for the mentor (optional)"):
        assert fact in page, fact
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 0  # nothing booked yet


def test_a_booking_with_a_note_shows_the_note_to_the_mentor_only(world, client, auth, smtp_sink):
    programme, mentor, mentee, _other = world
    _slots_url, book_url = _urls(programme, mentor)
    slot = _offered(programme, mentor, mentee)[0]
    auth.login("mentee@example.org")
    response = client.post(book_url, data={"starts_at": slot.starts_at.isoformat(), "note": NOTE})
    session = db.session.scalar(select(MentoringSession))
    assert response.status_code == 302 and session.note_for_mentor == NOTE
    assert "Your note for the mentor" in client.get(f"/mentoring/sessions/{session.id}").get_data(as_text=True)
    send_pending()
    assert NOTE in smtp_sink.text_of(smtp_sink.to("mentor@example.org")[0])
    mentee_mail = smtp_sink.to("mentee@example.org")[0]
    assert NOTE not in smtp_sink.text_of(mentee_mail) and NOTE not in mentee_mail.as_string()
    assert NOTE not in client.get(f"/mentoring/sessions/{session.id}.ics").get_data(as_text=True)
    auth.logout()
    auth.login("mentor@example.org")
    page = client.get(f"/mentoring/sessions/{session.id}").get_data(as_text=True)
    assert "Note from Nikola Mentee" in page and NOTE in page
    auth.logout()
    auth.login("admin@example.org")  # may open every session, but the note is not theirs to read
    page = client.get(f"/mentoring/sessions/{session.id}").get_data(as_text=True)
    assert "Individual mentoring" in page and NOTE not in page


def test_a_time_taken_before_the_confirmation_goes_back_to_the_calendar_with_the_note_kept(world, client, auth):
    programme, mentor, mentee, other = world
    slots_url, book_url = _urls(programme, mentor)
    slot = _offered(programme, mentor, mentee)[0]
    auth.login("mentee@example.org")
    assert client.get(f"{book_url}?starts_at={slot.starts_at.isoformat()}").status_code == 200
    booking.book_slot(other, programme.id, mentor.id, slot.starts_at)  # meanwhile, someone else is quicker
    db.session.commit()
    response = client.post(book_url, data={"starts_at": slot.starts_at.isoformat(), "note": NOTE,
                                           "zone": "Europe/Belgrade"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This time is no longer free. Please choose another slot." in page and 'id="picker"' in page
    assert f'<input type="hidden" name="note" value="{NOTE}">' in page
    assert all("note=I+would+like" in link for link in re.findall(r'href="([^"]*/slots\?[^"]*)"', page))
    assert f'value="{slot.starts_at.isoformat()}"' not in page  # the taken time is no longer offered
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 1
    # Choosing another time carries the note to its confirmation.
    again = client.get(f"{book_url}?starts_at={_offered(programme, mentor, mentee)[0].starts_at.isoformat()}"
                       f"&note={quote(NOTE)}").get_data(as_text=True)
    assert f"{NOTE}</textarea>" in again
    assert client.get(f"{slots_url}?note={quote(NOTE)}").status_code == 200


def test_a_note_too_long_is_refused_at_its_field_and_kept(world, client, auth):
    programme, mentor, mentee, _other = world
    _slots_url, book_url = _urls(programme, mentor)
    slot = _offered(programme, mentor, mentee)[0]
    auth.login("mentee@example.org")
    response = client.post(book_url, data={"starts_at": slot.starts_at.isoformat(), "note": "x" * 1001})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Confirm your booking" in page
    assert 'id="note-errors"' in page and "x" * 1001 in page
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 0


@pytest.mark.parametrize("starts_at, status, message", [
    ("", 400, "Please choose one of the offered times."),
    ("not-a-time", 400, "Please choose one of the offered times."),
    ("2027-03-07T02:00:00", 409, "This time is no longer free."),  # a Sunday night: never offered
])
def test_a_time_that_was_never_offered_is_neither_confirmed_nor_booked(world, client, auth, starts_at, status, message):
    programme, mentor, _mentee, _other = world
    _slots_url, book_url = _urls(programme, mentor)
    auth.login("mentee@example.org")
    shown = client.get(f"{book_url}?starts_at={starts_at}")
    booked = client.post(book_url, data={"starts_at": starts_at, "note": NOTE})
    for response in (shown, booked):
        assert response.status_code == status and message in response.get_data(as_text=True)
        assert 'id="picker"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 0


def test_months_at_the_monthly_limit_offer_no_times_and_booking_there_is_refused(world, client, auth):
    programme, mentor, mentee, _other = world
    slots_url, book_url = _urls(programme, mentor)
    db.session.get(MentorProfile, mentor.id).max_sessions_per_mentee_per_month = 1
    months: dict[tuple[int, int], list] = {}
    for slot in _offered(programme, mentor, mentee):
        months.setdefault((slot.starts_at.year, slot.starts_at.month), []).append(slot)
    month, (first, second, *_rest) = next((month, slots) for month, slots in months.items() if len(slots) > 1)
    booking.book_slot(mentee, programme.id, mentor.id, first.starts_at)
    db.session.commit()
    assert not [slot for slot in _offered(programme, mentor, mentee) if (slot.starts_at.year, slot.starts_at.month) == month]
    auth.login("mentee@example.org")
    page = client.get(f"{slots_url}?month={first.starts_at:%Y-%m}&zone=UTC").get_data(as_text=True)
    assert "You have booked as many sessions with this mentor in" in page
    refused = client.post(book_url, data={"starts_at": second.starts_at.isoformat()})  # as a hand-made request would
    assert refused.status_code == 409 and "the most individual sessions this mentor offers" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 1


def test_only_the_programmes_mentees_are_offered_booking(world, client, auth):
    programme, mentor, _mentee, _other = world
    slots_url, book_url = _urls(programme, mentor)
    for email, may_book in [("mentee@example.org", True), ("mentor@example.org", False), ("admin@example.org", False)]:
        auth.login(email)
        page = client.get(f"/mentoring/programmes/{programme.id}").get_data(as_text=True)
        assert ("Book an individual session" in page) is may_book, email
        assert client.get(slots_url).status_code == (200 if may_book else 404)
        if not may_book:
            assert client.post(book_url, data={"starts_at": "2030-01-07T08:00:00"}).status_code == 404
        auth.logout()


def test_a_mentor_who_has_not_said_where_they_meet_cannot_be_booked(world, client, auth, app, monkeypatch):
    programme, mentor, mentee, _other = world
    slots_url, book_url = _urls(programme, mentor)
    slot = _offered(programme, mentor, mentee)[0]
    monkeypatch.setitem(app.config, "VIDEO_ROOM_BASE_URL", "")  # the mentor's default is a video room
    auth.login("mentee@example.org")
    page = client.get(slots_url).get_data(as_text=True)
    assert "has not yet said where sessions take place" in page and 'name="starts_at"' not in page
    refused = client.post(book_url, data={"starts_at": slot.starts_at.isoformat(), "note": NOTE})
    assert refused.status_code == 409 and "has not yet said where sessions take place" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 0
