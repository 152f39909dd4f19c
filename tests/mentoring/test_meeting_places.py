"""Where sessions meet: a mentor's default (a new video room per session, their own link, or an address)
gives every booking its place; the online link reaches the session page, the mail and the invitation
(LOCATION, URL, CONFERENCE), for the mentor and the participants only."""

import re
from datetime import timedelta

import icalendar
import pytest
import vobject
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.mail.services import send_pending
from learnhub.mentoring import availability, booking, feeds
from learnhub.mentoring.models import MeetingKind, MentoringSession, MentorProfile
from learnhub.people.models import Role
from learnhub.timeutil import utcnow
from tests.factories import UserFactory

ROOM = re.compile(r"^https://meet\.jit\.si/learnhub-[0-9a-f]{32}$")


@pytest.fixture
def world(world):
    """The mentoring world with an institute admin."""
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    db.session.commit()
    return world


def _book(programme, mentor, mentee, index=0) -> MentoringSession:
    slot = availability.programme_mentor_slots(programme, mentor.id, utcnow())[1][index]
    session = booking.book_slot(mentee, programme.id, mentor.id, slot.starts_at)
    db.session.commit()
    return session


def test_each_booking_meets_in_a_video_room_of_its_own(world):
    programme, mentor, mentee, other = world
    first, second = _book(programme, mentor, mentee), _book(programme, mentor, other, index=1)
    assert ROOM.match(first.online_url) and ROOM.match(second.online_url) and first.online_url != second.online_url
    assert first.place == "" and second.place == ""


@pytest.mark.parametrize("kind, place, url", [
    (MeetingKind.LINK, "", "https://zoom.example/j/123"),
    (MeetingKind.PLACE, "CSR Ruma, Glavna 12, soba 4", ""),
])
def test_a_booking_meets_at_the_mentors_own_link_or_address(world, client, auth, kind, place, url):
    programme, mentor, mentee, _other = world
    auth.login("mentor@example.org")
    response = client.post("/mentoring/meeting-place", data={"meeting_kind": kind.value, "meeting_place": place,
                                                             "meeting_url": url})
    assert response.status_code == 302
    session = _book(programme, mentor, mentee)
    assert (session.place, session.online_url) == (place, url)


def test_where_a_mentor_meets_is_refused_at_its_field_keeping_what_was_typed(world, client, auth):
    _programme, mentor, _mentee, _other = world
    auth.login("mentor@example.org")
    page = client.get("/mentoring/meeting-place").get_data(as_text=True)
    assert 'value="room" checked' in page or 'checked id="meeting_kind-0"' in page
    for data, field, message in [
        ({"meeting_kind": "link", "meeting_url": "", "meeting_place": "Ruma"}, "meeting_url", "Please give your meeting link."),
        ({"meeting_kind": "link", "meeting_url": "zoom.example/j/1", "meeting_place": ""}, "meeting_url",
         "The online link must start with https://"),
        ({"meeting_kind": "place", "meeting_url": "", "meeting_place": "  "}, "meeting_place",
         "Please give the address where you meet."),
    ]:
        response = client.post("/mentoring/meeting-place", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and f'id="{field}-errors"' in page and message in page
        assert f'value="{data["meeting_url"]}"' in page if data["meeting_url"] else True
    assert db.session.get(MentorProfile, mentor.id).meeting_kind == MeetingKind.ROOM


def test_without_a_video_service_no_rooms_are_offered_and_none_is_made(world, client, auth, app, monkeypatch):
    programme, mentor, _mentee, _other = world
    monkeypatch.setitem(app.config, "VIDEO_ROOM_BASE_URL", "")
    auth.login("mentor@example.org")
    page = client.get("/mentoring/meeting-place").get_data(as_text=True)
    assert 'value="room"' not in page and 'value="link"' in page
    refused = client.post("/mentoring/meeting-place", data={"meeting_kind": "room"})
    assert refused.status_code == 400 and "Video rooms are not available here." in refused.get_data(as_text=True)
    group = client.get(f"/mentoring/programmes/{programme.id}").get_data(as_text=True)
    assert "new video room" not in group


def test_the_group_form_starts_where_the_mentor_meets_and_may_make_a_room(world, client, auth):
    programme, mentor, _mentee, _other = world
    auth.login("mentor@example.org")
    page = client.get(f"/mentoring/programmes/{programme.id}").get_data(as_text=True)
    assert re.search(r'<input checked id="new_video_room"|id="new_video_room"[^>]*checked', page)
    starts = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    form = {"starts_at": starts, "duration_minutes": "90", "place": "", "online_url": "", "agenda": "",
            "capacity": "10"}
    both = client.post(f"/mentoring/programmes/{programme.id}/group-sessions",
                       data=form | {"online_url": "https://zoom.example/j/1", "new_video_room": "y"})
    assert both.status_code == 400 and "either your own online link or a new video room" in both.get_data(as_text=True)
    nowhere = client.post(f"/mentoring/programmes/{programme.id}/group-sessions", data=form)
    assert nowhere.status_code == 400 and 'id="place-errors"' in nowhere.get_data(as_text=True)
    made = client.post(f"/mentoring/programmes/{programme.id}/group-sessions", data=form | {"new_video_room": "y"})
    assert made.status_code == 302
    assert ROOM.match(db.session.scalar(select(MentoringSession.online_url)))
    db.session.get(MentorProfile, mentor.id).meeting_kind = MeetingKind.PLACE
    db.session.get(MentorProfile, mentor.id).meeting_place = "Sala 2, Ruma"
    db.session.commit()
    page = client.get(f"/mentoring/programmes/{programme.id}").get_data(as_text=True)
    assert 'value="Sala 2, Ruma"' in page


def test_the_online_link_is_shown_to_the_mentor_and_participants_only(world, client, auth):
    programme, mentor, mentee, _other = world
    session = _book(programme, mentor, mentee)
    for email, sees_link in [("mentee@example.org", True), ("mentor@example.org", True), ("admin@example.org", False)]:
        auth.login(email)
        page = client.get(f"/mentoring/sessions/{session.id}").get_data(as_text=True)
        ics = client.get(f"/mentoring/sessions/{session.id}.ics").get_data(as_text=True)
        assert (session.online_url in page) is sees_link and "Online" in page, email
        assert (session.online_url in ics.replace("\r\n ", "")) is sees_link, email
        auth.logout()


def test_an_online_sessions_invitation_mail_and_feed_carry_its_link(world, client, auth, smtp_sink):
    programme, mentor, mentee, _other = world
    session = _book(programme, mentor, mentee)
    send_pending()
    for address in ("mentee@example.org", "mentor@example.org"):
        [mail] = smtp_sink.to(address)
        assert f"Join online: {session.online_url}" in smtp_sink.text_of(mail)
        assert session.online_url in mail.get_body(("html",)).get_content()
        part = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
        data = part.get_content()
        [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
        assert str(event["CONFERENCE"]) == session.online_url and event["CONFERENCE"].params["FEATURE"] == ["AUDIO", "VIDEO"]
        assert str(event["LOCATION"]) == session.online_url
        assert str(event["URL"]).endswith(f"/mentoring/sessions/{session.id}")
        assert session.online_url in str(event["DESCRIPTION"])
        assert vobject.readOne(data).vevent.conference.value == session.online_url
    body = feeds.feed_for_token(feeds.feed_token(mentee), utcnow(), lambda *_: False).body
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["CONFERENCE"]) == session.online_url


def test_a_cancelled_session_shows_and_sends_no_link(world, client, auth, smtp_sink):
    programme, mentor, mentee, _other = world
    session = _book(programme, mentor, mentee)
    send_pending()
    smtp_sink.clear()
    booking.cancel_session(mentor, session, "")
    db.session.commit()
    send_pending()
    [mail] = smtp_sink.to("mentee@example.org")
    assert session.online_url not in mail.as_string()
    auth.login("mentee@example.org")
    assert session.online_url not in client.get(f"/mentoring/sessions/{session.id}").get_data(as_text=True)
