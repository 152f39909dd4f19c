"""Mentors' own calendars block their slots: read from a real CalDAV server (Radicale) as CalDAV and as an
ICS subscription, with a weekly meeting, a moved and two cancelled occurrences across the end of summer
time in Belgrade (Sunday 25 October 2026); failed reads keep the last busy times; outgoing reads are guarded."""

import logging
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.mentoring import availability, busy
from learnhub.mentoring.models import BusyCalendar, BusyInterval
from learnhub.netguard import FetchLimits, FetchRefused, check_url, fetch
from learnhub.people.models import Role
from tests.caldav import RadicaleServer
from tests.factories import OrganisationFactory, ProgrammeFactory, UserFactory

BELGRADE = ZoneInfo("Europe/Belgrade")
NOW = datetime(2026, 10, 9, 12, 0)  # a Friday, summer time; the slots run to late November
TUESDAY = 1
SECRET_PATH = "busy-3f9c2a/"

MEETINGS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Tests//Busy//EN
BEGIN:VTIMEZONE
TZID:Europe/Belgrade
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:team-meeting@work.example
DTSTAMP:20260901T080000Z
DTSTART;TZID=Europe/Belgrade:20261013T093000
DTEND;TZID=Europe/Belgrade:20261013T100000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;TZID=Europe/Belgrade:20261103T093000
SUMMARY:Team meeting with the director
ATTENDEE:mailto:director@work.example
END:VEVENT
BEGIN:VEVENT
UID:team-meeting@work.example
DTSTAMP:20260901T080000Z
RECURRENCE-ID;TZID=Europe/Belgrade:20261020T093000
DTSTART;TZID=Europe/Belgrade:20261020T110000
DTEND;TZID=Europe/Belgrade:20261020T113000
SUMMARY:Team meeting (moved)
END:VEVENT
BEGIN:VEVENT
UID:team-meeting@work.example
DTSTAMP:20260901T080000Z
RECURRENCE-ID;TZID=Europe/Belgrade:20261117T093000
DTSTART;TZID=Europe/Belgrade:20261117T093000
DTEND;TZID=Europe/Belgrade:20261117T100000
STATUS:CANCELLED
SUMMARY:Team meeting (cancelled)
END:VEVENT
END:VCALENDAR
"""

FREE_TIME = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Tests//Busy//EN
BEGIN:VEVENT
UID:lunch@work.example
DTSTAMP:20260901T080000Z
DTSTART:20261027T100000Z
DTEND:20261027T110000Z
TRANSP:TRANSPARENT
SUMMARY:Free lunch reminder
END:VEVENT
END:VCALENDAR
"""

# Tuesday windows 09:00-12:00 give 09:00 and 10:15 (an hour each, 15 minutes' buffer). The meeting at
# 09:30-10:00 takes 09:00; moved to 11:00 it takes 10:15; cancelled, it takes nothing; "free" takes nothing.
EXPECTED_TUESDAYS = {
    "2026-10-13": ["10:15"],  # summer time
    "2026-10-20": ["09:00"],  # moved
    "2026-10-27": ["10:15"],  # winter time: the meeting keeps 09:30 local, an hour later in UTC
    "2026-11-03": ["09:00", "10:15"],  # EXDATE
    "2026-11-10": ["10:15"],
    "2026-11-17": ["09:00", "10:15"],  # STATUS:CANCELLED occurrence
}


@pytest.fixture(scope="module")
def radicale(tmp_path_factory) -> Iterator[RadicaleServer]:
    server = RadicaleServer(tmp_path_factory.mktemp("radicale-busy"))
    server.start()
    try:
        collection = f"/{server.user}/{SECRET_PATH}"
        assert server.make_calendar(collection) == 201
        assert server.put(f"{collection}meetings.ics", MEETINGS.encode()) == 201
        assert server.put(f"{collection}lunch.ics", FREE_TIME.encode()) == 201
        yield server
    finally:
        server.stop()


def address(radicale: RadicaleServer, path: str = SECRET_PATH) -> str:
    # Credentials in the address, as CalDAV servers hand out app passwords.
    return f"http://{radicale.user}:@127.0.0.1:{radicale.port}/{radicale.user}/{path}"


@pytest.fixture
def world(app):
    mentor = UserFactory(roles=[Role.MENTOR], time_zone="Europe/Belgrade")
    programme = ProgrammeFactory(mentor=mentor, organisation=OrganisationFactory())
    profile = availability.mentor_profile(mentor)
    profile.max_days_ahead = 45
    db.session.flush()
    return mentor, programme


def tuesday_slots(programme, mentor) -> dict[str, list[str]]:
    _mentor, slots = availability.programme_mentor_slots(programme, mentor.id, NOW)
    found: dict[str, list[str]] = {}
    for slot in slots:
        local = slot.starts_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(BELGRADE)
        if local.weekday() == TUESDAY:
            found.setdefault(f"{local:%Y-%m-%d}", []).append(f"{local:%H:%M}")
    return found


@pytest.mark.parametrize("kind", ["caldav", "ics"])
def test_busy_times_of_a_recurring_meeting_with_exceptions_block_slots_across_the_end_of_summer_time(
        world, radicale, kind):
    mentor, programme = world
    assert tuesday_slots(programme, mentor) == {day: ["09:00", "10:15"] for day in EXPECTED_TUESDAYS}
    calendar = busy.add_busy_calendar(mentor, kind, address(radicale))
    assert busy.refresh_calendar(calendar, NOW)
    assert tuesday_slots(programme, mentor) == EXPECTED_TUESDAYS
    # Only times are kept: the first meeting is 09:30 summer time, the one after the change 09:30 winter time.
    stored = db.session.execute(select(BusyInterval.starts_at, BusyInterval.ends_at)
                                .order_by(BusyInterval.starts_at)).all()
    assert stored[0] == (datetime(2026, 10, 13, 7, 30), datetime(2026, 10, 13, 8, 0))
    assert (datetime(2026, 10, 27, 8, 30), datetime(2026, 10, 27, 9, 0)) in stored
    assert len(stored) == 4


def test_a_busy_slot_cannot_be_booked_either(world, radicale):
    mentor, programme = world
    calendar = busy.add_busy_calendar(mentor, "caldav", address(radicale))
    busy.refresh_calendar(calendar, NOW)
    profile = availability.mentor_profile(mentor)
    taken = datetime(2026, 10, 13, 7, 0)  # 09:00 in Belgrade, during summer time
    assert not availability.is_free(profile, taken, NOW)
    assert availability.is_free(profile, taken + timedelta(minutes=75), NOW)


def test_a_failed_read_keeps_the_last_busy_times_and_tells_the_mentor(world, radicale, client, auth, caplog):
    mentor, programme = world
    calendar = busy.add_busy_calendar(mentor, "caldav", address(radicale))
    assert busy.refresh_calendar(calendar, NOW)
    calendar.url = address(radicale, "no-such-calendar-7d1e/")
    later = NOW + timedelta(hours=1)
    with caplog.at_level(logging.WARNING):
        assert not busy.refresh_calendar(calendar, later)
    assert tuesday_slots(programme, mentor) == EXPECTED_TUESDAYS
    assert (calendar.last_success_at, calendar.last_error_at, calendar.last_error) == (NOW, later, "status")
    assert "no-such-calendar" not in caplog.text and "127.0.0.1" not in caplog.text  # the address is a secret
    db.session.commit()
    auth.login(mentor.email)
    page = client.get("/mentoring/availability").get_data(as_text=True)
    assert "Last attempt failed" in page and "check that the address is still shared" in page
    assert "no-such-calendar" not in page and "http://127.0.0.1/…" in page


def test_mentor_adds_refreshes_and_removes_a_calendar_on_the_availability_page(world, radicale, client, auth):
    mentor, programme = world
    auth.login(mentor.email)
    response = client.post("/mentoring/availability/calendars", data={"kind": "ics", "url": address(radicale)})
    assert response.status_code == 302
    calendar = db.session.scalar(select(BusyCalendar).where(BusyCalendar.mentor_id == mentor.id))
    assert calendar.last_success_at is not None and calendar.last_error == ""
    page = client.get("/mentoring/availability").get_data(as_text=True)
    assert "Calendar added." in page and "Last read:" in page and SECRET_PATH not in page
    assert client.post(f"/mentoring/availability/calendars/{calendar.id}/refresh").status_code == 302
    assert "Calendar read again." in client.get("/mentoring/availability").get_data(as_text=True)
    assert client.post(f"/mentoring/availability/calendars/{calendar.id}/remove").status_code == 302
    assert db.session.scalar(select(BusyInterval.id)) is None
    assert tuesday_slots(programme, mentor) == {day: ["09:00", "10:15"] for day in EXPECTED_TUESDAYS}


def test_another_mentors_calendar_is_not_found(world, radicale, client, auth):
    mentor, _programme = world
    calendar = busy.add_busy_calendar(mentor, "ics", address(radicale))
    db.session.commit()
    other = UserFactory(roles=[Role.MENTOR])
    db.session.commit()
    auth.login(other.email)
    assert client.post(f"/mentoring/availability/calendars/{calendar.id}/refresh").status_code == 404
    assert client.post(f"/mentoring/availability/calendars/{calendar.id}/remove").status_code == 404


def test_an_address_that_is_not_a_calendar_is_answered_on_the_form(world, client, auth):
    mentor, _programme = world
    auth.login(mentor.email)
    response = client.post("/mentoring/availability/calendars", data={"kind": "ics", "url": "ftp://example.org/x"})
    assert response.status_code == 400
    assert "The address must start with https://." in response.get_data(as_text=True)


def test_the_worker_reads_each_calendar_once_per_interval(world, radicale, app):
    mentor, programme = world
    busy.add_busy_calendar(mentor, "caldav", address(radicale))
    db.session.commit()
    assert busy.refresh_due_calendars(NOW) == 1
    assert busy.refresh_due_calendars(NOW + timedelta(minutes=5)) == 0
    every = app.config["BUSY_CALENDAR_REFRESH_MINUTES"]
    assert busy.refresh_due_calendars(NOW + timedelta(minutes=every)) == 1
    assert tuesday_slots(programme, mentor) == EXPECTED_TUESDAYS


# --- the guard on outgoing reads ----------------------------------------------------------------------

STRICT = FetchLimits(is_strict=True)


@pytest.mark.parametrize("url", [
    "http://calendar.example.org/feed.ics",  # not https
    "https://127.0.0.1/feed.ics", "https://localhost/feed.ics", "https://[::1]/feed.ics",
    "https://10.1.2.3/feed.ics", "https://192.168.0.10/feed.ics", "https://172.16.5.4/feed.ics",
    "https://169.254.169.254/latest/meta-data/", "https://[fe80::1]/feed.ics", "https://[::ffff:10.0.0.1]/x",
    "https://0.0.0.0/feed.ics", "file:///etc/passwd",
])
def test_production_refuses_plain_http_and_private_loopback_or_link_local_targets(url):
    with pytest.raises(FetchRefused):
        check_url(url, STRICT)


def test_production_accepts_https_to_a_public_address():
    check_url("https://93.184.215.14/calendar.ics", STRICT)


def test_development_reads_a_calendar_on_localhost_but_not_beyond_the_size_limit(radicale):
    url = address(radicale)
    assert fetch(url, FetchLimits(is_strict=False)).startswith(b"BEGIN:VCALENDAR")
    with pytest.raises(FetchRefused) as refused:
        fetch(url, FetchLimits(is_strict=False, max_bytes=500))
    assert refused.value.kind == "too_large"


def test_a_server_that_never_answers_is_given_up_on():
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(FetchRefused) as refused:
            fetch(f"http://127.0.0.1:{port}/feed.ics", FetchLimits(is_strict=False, timeout_seconds=0.3))
    assert refused.value.kind == "timeout"


def test_floating_and_all_day_events_are_the_mentors_local_time():
    import icalendar

    calendar = icalendar.Calendar.from_ical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260901T000000Z\r\nDTSTART;VALUE=DATE:20261102\r\n"
        "DTEND;VALUE=DATE:20261103\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260901T000000Z\r\nDTSTART:20261014T150000\r\n"
        "DTEND:20261014T160000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    found = busy.busy_intervals([calendar], "Europe/Belgrade", NOW, NOW + timedelta(days=60))
    assert found == [(datetime(2026, 10, 14, 13, 0), datetime(2026, 10, 14, 14, 0)),
                     (datetime(2026, 11, 1, 23, 0), datetime(2026, 11, 2, 23, 0))]
