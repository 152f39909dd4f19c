"""Calendar feeds that calendar apps can poll cheaply: a stable DTSTAMP per version of an event, ETag and
Last-Modified with 304 answers, a declined session marked for the one who declined, the past year and
everything ahead."""

from datetime import datetime, timedelta

import pytest
import vobject

from learnhub.extensions import db
from learnhub.mentoring import booking, feeds
from learnhub.mentoring.models import PartStat
from tests.factories import (
    CohortSessionFactory,
    EnrolmentFactory,
    mentoring_world,
)

NOW = datetime(2027, 2, 26, 12, 0)
MONDAY_0800_UTC = datetime(2027, 3, 1, 8, 0)


@pytest.fixture
def world(app):
    return mentoring_world("Mentorstvo")


def _group(mentor, programme, starts_at=MONDAY_0800_UTC, now=NOW):
    return booking.schedule_group_session(mentor, programme, booking.GroupSessionInput(
        starts_at=starts_at, duration_minutes=90, place="Ruma", online_url="", agenda="Plans", capacity=10), now=now)


def _events(body: bytes) -> dict[str, vobject.base.Component]:
    calendar = vobject.readOne(body.decode())
    return {event.uid.value.split("@")[0]: event for event in calendar.contents.get("vevent", [])}


def test_the_same_feed_twice_has_the_same_dtstamps_and_a_move_gives_a_new_one(world, client):
    programme, mentor, mentee, _other = world
    session = _group(mentor, programme)
    session.changed_at -= timedelta(hours=1)  # DTSTAMP counts whole seconds: as if scheduled a while ago
    db.session.commit()
    url = f"/calendar/{feeds.feed_token(mentee)}.ics"
    first, second = client.get(url), client.get(url)
    assert first.get_data() == second.get_data()  # nothing changed: byte for byte the same
    stamp = _events(first.get_data())[f"session-{session.id}"].dtstamp.value

    booking.reschedule(mentor, session, MONDAY_0800_UTC + timedelta(days=1), "Sala zauzeta", now=NOW)
    db.session.commit()
    moved = _events(client.get(url).get_data())[f"session-{session.id}"]
    assert moved.dtstamp.value > stamp and int(moved.sequence.value) == 1


def test_a_feed_answers_not_modified_until_something_in_it_changes(world, client):
    programme, mentor, mentee, _other = world
    session = _group(mentor, programme)
    db.session.commit()
    url = f"/calendar/{feeds.feed_token(mentee)}.ics"
    response = client.get(url)
    etag, last_modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert etag and last_modified

    unchanged = client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304

    session.changed_at -= timedelta(hours=1)  # Last-Modified counts whole seconds: as if a while ago
    db.session.commit()
    response = client.get(url)
    etag, last_modified = response.headers["ETag"], response.headers["Last-Modified"]
    booking.respond(mentee, session, PartStat.DECLINED)
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 200


def test_a_not_modified_answer_builds_no_feed_and_a_changed_place_of_a_cohort_session_is_a_new_version(
        world, client, monkeypatch):
    programme, mentor, mentee, _other = world
    _group(mentor, programme)
    cohort_session = CohortSessionFactory()
    EnrolmentFactory(cohort=cohort_session.cohort, user=mentee)
    db.session.commit()
    url = f"/calendar/{feeds.feed_token(mentee)}.ics"
    etag = client.get(url).headers["ETag"]

    def no_building(*_args):
        raise AssertionError("a calendar app that has this version gets no new body")

    monkeypatch.setattr(feeds.ical, "feed_bytes", no_building)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    monkeypatch.undo()
    # Cohort sessions have no SEQUENCE: the ETag follows what the feed shows all the same.
    cohort_session.place = "Sala 2"
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"Sala 2" in changed.get_data()


def test_a_declined_session_is_shown_as_declined_to_the_one_who_declined_it_only(world):
    programme, mentor, mentee, other = world
    session = _group(mentor, programme)
    booking.respond(mentee, session, PartStat.DECLINED)
    db.session.commit()
    uid = f"session-{session.id}"

    mine = _events(feeds.feed_body(mentee, NOW))[uid]
    assert mine.summary.value.startswith("Declined: ") and mine.transp.value == "TRANSPARENT"
    assert mine.status.value == "CONFIRMED"  # the session itself still takes place
    for person in (other, mentor):
        theirs = _events(feeds.feed_body(person, NOW))[uid]
        assert not theirs.summary.value.startswith("Declined") and theirs.transp.value == "OPAQUE"


def test_the_feed_holds_the_past_twelve_months_and_everything_ahead(world, app):
    programme, mentor, mentee, _other = world
    long_ago = _group(mentor, programme, starts_at=NOW - timedelta(days=400), now=NOW - timedelta(days=500))
    last_year = _group(mentor, programme, starts_at=NOW - timedelta(days=300), now=NOW - timedelta(days=500))
    far_ahead = _group(mentor, programme, starts_at=NOW + timedelta(days=700))
    db.session.commit()

    listed = set(_events(feeds.feed_body(mentee, NOW)))
    assert listed == {f"session-{last_year.id}", f"session-{far_ahead.id}"}
    app.config["CALENDAR_FEED_PAST_DAYS"] = 500
    try:
        assert f"session-{long_ago.id}" in _events(feeds.feed_body(mentee, NOW))
    finally:
        app.config["CALENDAR_FEED_PAST_DAYS"] = 365
