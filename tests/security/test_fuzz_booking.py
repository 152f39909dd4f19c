"""Fuzzing what visitors send to booking and calendars: form fields, times, calendar feed tokens and
session .ics addresses. Whatever arrives, the answer is never a server error."""

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from learnhub.extensions import db, limiter
from tests.access_world import build_world
from tests.conftest import reset_app
from tests.factories import PASSWORD

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

zones = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)),
                         timezone(timedelta(minutes=330))])
iso_times = st.builds(lambda moment, zone, with_zone: (moment.replace(tzinfo=zone) if with_zone else moment).isoformat(),
                      st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)), zones, st.booleans())
local_times = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
    lambda moment: moment.strftime("%Y-%m-%dT%H:%M"))
times = iso_times | local_times | st.text(max_size=40) | st.sampled_from(
    ["", "0001-01-01T00:00", "9999-12-31T23:59", "2027-02-29T10:00", "2027-01-01T24:00", "now", "\x00"])
numbers = st.integers(-10**12, 10**12).map(str) | st.text(max_size=8) | st.sampled_from(["", "1e9", "-0", "١٢"])
clock_times = st.text(max_size=12) | st.sampled_from(["09:00", "12:00", "9", "14-17", "24:00", "25:00", "23:59",
                                                     "00:00", "9.30", "0930", "12:00-09:00", "\x00"])
typed_days = st.text(max_size=20) | st.sampled_from(["2027-01-01", "2027-01-07", "9999-12-31", "0001-01-01",
                                                     "1.1.2027.", "2027-02-29", ""])
edits = st.sampled_from(["", "monday-add", "monday-ranges-0-remove", "monday-copy", "dates-add", "dates-0-remove",
                         "dates-0-ranges-9-remove", "days_off-add", "days_off-0-remove", "x-copy"]) | st.text(max_size=20)
# Ints the route converter accepts, including ones no database column holds.
ids = st.integers(0, 2**31 - 1) | st.sampled_from([1, 2, 3])


@pytest.fixture(scope="module")
def world(shared_app, smtp_sink):
    """Organisation A's world with one signed-in client per role, shared by all examples."""
    with shared_app.app_context():
        emails, values = build_world()
        db.session.commit()
        clients = {}
        for role in ("mentor", "org_admin", "institute_admin"):
            limiter.reset()
            clients[role] = shared_app.test_client()
            response = clients[role].post("/auth/login", data={"email": emails[role], "password": PASSWORD})
            assert response.status_code == 302
    yield shared_app, clients, values
    reset_app(shared_app, smtp_sink)


def _answer(app, client, method: str, url: str, data: dict | None = None) -> int:
    with app.app_context():
        response = client.open(url, method=method, data=data)
    assert response.status_code < 500, (method, url, data)
    return response.status_code


@FUZZ
@given(starts_at=times, extra=st.dictionaries(st.sampled_from(["starts_at", "mentor_id", "note", "kind"]),
                                              st.text(max_size=20), max_size=2))
def test_booking_a_slot(world, starts_at, extra):
    app, clients, values = world
    url = f"/mentoring/programmes/{values['programme_id']}/mentors/{values['mentor_id']}/book"
    _answer(app, clients["org_admin"], "POST", url, {**extra, "starts_at": starts_at})


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_booking_at_the_ends_of_the_calendar_is_refused(world, starts_at):
    app, clients, values = world
    url = f"/mentoring/programmes/{values['programme_id']}/mentors/{values['mentor_id']}/book"
    assert _answer(app, clients["org_admin"], "POST", url, {"starts_at": starts_at}) == 409


any_times = st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")) | st.text(max_size=40)


@settings(FUZZ, max_examples=40)
@given(starts_at=any_times, reason=st.text(max_size=50))
def test_rescheduling_a_session(world, starts_at, reason):
    app, clients, values = world
    url = f"/mentoring/sessions/{values['mentoring_session_id']}/reschedule"
    _answer(app, clients["mentor"], "POST", url, {"starts_at": starts_at, "reason": reason})


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00", "9999-12-31T23:00"])
def test_rescheduling_to_the_ends_of_the_calendar_is_refused(world, starts_at):
    app, clients, values = world
    url = f"/mentoring/sessions/{values['mentoring_session_id']}/reschedule"
    assert _answer(app, clients["mentor"], "POST", url, {"starts_at": starts_at}) == 400


@FUZZ
@given(starts_at=times, duration=numbers, capacity=numbers, place=st.text(max_size=30),
       online_url=st.text(max_size=30) | st.just("https://example.org/x"), agenda=st.text(max_size=50))
def test_scheduling_a_group_session(world, starts_at, duration, capacity, place, online_url, agenda):
    app, clients, values = world
    url = f"/mentoring/programmes/{values['programme_id']}/group-sessions"
    _answer(app, clients["mentor"], "POST", url, {
        "starts_at": starts_at, "duration_minutes": duration, "capacity": capacity, "place": place,
        "online_url": online_url, "agenda": agenda})


@FUZZ
@given(times=st.lists(clock_times, min_size=4, max_size=4), days=st.lists(typed_days, min_size=3, max_size=3),
       note=st.text(max_size=30), edit=edits, slot=numbers, buffer=numbers, notice=numbers, ahead=numbers,
       per_month=numbers, url=st.sampled_from(["/mentoring/availability", "/mentoring/availability/preview"]))
def test_setting_availability(world, times, days, note, edit, slot, buffer, notice, ahead, per_month, url):
    app, clients, values = world
    _answer(app, clients["mentor"], "POST", url, {
        "monday-ranges-0-start": times[0], "monday-ranges-0-end": times[1], "sunday-ranges-3-start": times[2],
        "dates-0-day": days[0], "dates-0-ranges-0-start": times[3], "days_off-0-first_day": days[1],
        "days_off-0-last_day": days[2], "days_off-0-note": note, "edit": edit, "slot_minutes": slot,
        "buffer_minutes": buffer, "min_notice_hours": notice, "max_days_ahead": ahead,
        "max_sessions_per_mentee_per_month": per_month})
    # The slots page computes from whatever was saved.
    url = f"/mentoring/programmes/{values['programme_id']}/mentors/{values['mentor_id']}/slots"
    _answer(app, clients["org_admin"], "GET", url)


@FUZZ
@given(token=st.text(max_size=80) | st.from_regex(r"\A\d{1,12}-[A-Za-z0-9_-]{0,60}\Z"))
@example(token="1-a\x00b")
def test_calendar_feed_addresses(world, token):
    app, clients, values = world
    anonymous = app.test_client()
    expected = (400,) if "\x00" in token else (404, 308)  # a NUL character is refused before anything else
    assert _answer(app, anonymous, "GET", f"/calendar/{quote(token, safe='')}.ics") in expected


@pytest.mark.parametrize("token", ["²-x", "١٢-x"])  # digits to isdigit(), not to int()
def test_calendar_feed_address_with_other_kinds_of_digits(world, token):
    app, clients, values = world
    assert _answer(app, app.test_client(), "GET", f"/calendar/{quote(token, safe='')}.ics") == 404


def test_calendar_feed_address_with_a_user_number_beyond_any_row(world):
    app, clients, values = world
    assert _answer(app, app.test_client(), "GET", "/calendar/10000000000-x.ics") == 404


@FUZZ
@given(session_id=ids, cohort_id=ids, role=st.sampled_from(["mentor", "org_admin", "institute_admin"]))
def test_session_calendar_files(world, session_id, cohort_id, role):
    app, clients, values = world
    _answer(app, clients[role], "GET", f"/mentoring/sessions/{session_id}.ics")
    _answer(app, clients[role], "GET", f"/cohorts/{cohort_id}/sessions.ics")


@pytest.mark.parametrize("path", ["/cohorts/99999999999999999999", "/cohorts/99999999999999999999/sessions.ics"])
def test_ids_beyond_any_row_are_not_found(client, path):
    assert client.get(path).status_code == 404
