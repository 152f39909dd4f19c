"""Moving a session through the booking calendar: only times it can move to are offered (the mentor's free
times, its whole length with the buffers clear, never its own time), a confirmation with an optional reason,
and refusals told on the calendar or the session page with what was typed kept."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.mentoring import availability, booking, offers
from learnhub.mentoring.models import MentoringSession, MentorProfile
from learnhub.mentoring.slots import overlaps
from learnhub.timeutil import utcnow


def _free(programme, mentor):
    return availability.programme_mentor_slots(programme, mentor.id, utcnow())[1]


def _booked(programme, mentor, mentee, index=0) -> MentoringSession:
    session = booking.book_slot(mentee, programme.id, mentor.id, _free(programme, mentor)[index].starts_at)
    db.session.commit()
    return session


def test_the_move_calendar_offers_the_mentors_free_times_but_never_the_sessions_own(world, client, auth):
    programme, mentor, mentee, _other = world
    session = _booked(programme, mentor, mentee)
    offered = offers.move_offer(mentee, session, "Europe/Belgrade", utcnow()).slots
    assert session.starts_at not in {slot.starts_at for slot in offered}
    assert {slot.starts_at for slot in offered} == {slot.starts_at for slot in _free(programme, mentor)}
    auth.login("mentee@example.org")
    page = client.get(f"/mentoring/sessions/{session.id}/move").get_data(as_text=True)
    assert "Move the session" in page and 'id="picker"' in page
    assert f'value="{session.starts_at.isoformat()}"' not in page
    assert f'action="/mentoring/sessions/{session.id}/move/confirm"' in page
    assert "Or type another time" not in page  # a 1:1 session moves to offered times only


def test_a_longer_session_is_offered_only_times_that_hold_it_whole_with_its_buffers(world):
    programme, mentor, mentee, other = world
    session = _booked(programme, mentor, mentee)
    session.ends_at = session.starts_at + timedelta(hours=2)  # booked when the mentor offered two hours
    db.session.commit()
    _booked(programme, mentor, other, index=3)
    profile = db.session.get(MentorProfile, mentor.id)
    buffer = timedelta(minutes=profile.buffer_minutes)
    busy = [(s.starts_at, s.ends_at) for s in db.session.scalars(select(MentoringSession)) if s.id != session.id]
    offered = offers.move_offer(mentor, session, "Europe/Belgrade", utcnow()).slots
    assert offered and all(slot.ends_at - slot.starts_at == timedelta(hours=2) for slot in offered)
    for slot in offered:
        assert not any(overlaps(slot.starts_at - buffer, slot.ends_at + buffer, *interval) for interval in busy)
    free_for_an_hour = {slot.starts_at for slot in availability.free_slots_of(profile, utcnow(), session.id)}
    assert {slot.starts_at for slot in offered} < free_for_an_hour  # some hour-long times cannot hold it
    for slot in offered[:3]:  # and what is offered, the server accepts
        booking.reschedule(mentor, session, slot.starts_at, "")
        db.session.rollback()


def test_moving_through_the_calendar_confirms_the_new_time_then_moves_with_the_reason(world, client, auth, smtp_sink):
    programme, mentor, mentee, _other = world
    session = _booked(programme, mentor, mentee)
    auth.login("mentee@example.org")
    page = client.get(f"/mentoring/sessions/{session.id}/move").get_data(as_text=True)
    new_start = re.search(r'name="starts_at" value="([^"]+)"', page).group(1)
    confirm = client.get(f"/mentoring/sessions/{session.id}/move/confirm?starts_at={new_start}&zone=Europe/Belgrade")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Confirm the new time" in text and "<s>" in text and "Reason (optional)" in text
    smtp_sink.clear()
    moved = client.post(f"/mentoring/sessions/{session.id}/move/confirm",
                        data={"starts_at": new_start, "reason": "A home visit came up.", "zone": "Europe/Belgrade"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/mentoring/sessions/{session.id}")
    db.session.expire_all()
    session = db.session.get(MentoringSession, session.id)
    assert session.starts_at.isoformat() == new_start and session.sequence == 1
    assert session.reschedule_reason == "A home visit came up."


def test_a_time_taken_before_the_move_is_confirmed_goes_back_to_the_calendar_keeping_the_reason(world, client, auth):
    programme, mentor, mentee, other = world
    session = _booked(programme, mentor, mentee)
    target = offers.move_offer(mentee, session, "Europe/Belgrade", utcnow()).slots[0]
    booking.book_slot(other, programme.id, mentor.id, target.starts_at)
    db.session.commit()
    auth.login("mentee@example.org")
    response = client.post(f"/mentoring/sessions/{session.id}/move/confirm",
                           data={"starts_at": target.starts_at.isoformat(), "reason": "Sick child"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "This time is no longer free" in page and 'id="picker"' in page
    assert '<input type="hidden" name="reason" value="Sick child">' in page
    db.session.expire_all()
    assert db.session.get(MentoringSession, session.id).sequence == 0


def test_a_session_that_has_started_is_not_moved_and_its_page_says_why(world, client, auth):
    programme, mentor, mentee, _other = world
    session = _booked(programme, mentor, mentee)
    session.starts_at, session.ends_at = utcnow() - timedelta(minutes=5), utcnow() + timedelta(minutes=55)
    db.session.commit()
    auth.login("mentee@example.org")
    for response in (client.get(f"/mentoring/sessions/{session.id}/move"),
                     client.get(f"/mentoring/sessions/{session.id}/move/confirm?starts_at=2030-01-07T08:00:00"),
                     client.post(f"/mentoring/sessions/{session.id}/move/confirm",
                                 data={"starts_at": "2030-01-07T08:00:00", "reason": "Late"})):
        page = response.get_data(as_text=True)
        assert response.status_code == 409 and "Individual mentoring" in page
        assert "This session has already started." in page and "Move or cancel" not in page


def test_moving_to_its_own_time_is_refused(world):
    programme, mentor, mentee, _other = world
    session = _booked(programme, mentor, mentee)
    with pytest.raises(Exception, match="already starts at that time"):
        booking.reschedule(mentee, session, session.starts_at, "")


def _group(mentor, programme, days_ahead=5):
    starts_at = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=days_ahead)
    session = booking.schedule_group_session(mentor, programme, booking.GroupSessionInput(
        starts_at=starts_at, duration_minutes=120, place="Ruma, sala", online_url="", agenda="", capacity=10))
    db.session.commit()
    return session


def test_a_group_session_may_also_go_to_a_typed_time_and_a_refusal_shows_at_the_field(world, client, auth):
    programme, mentor, mentee, _other = world
    group = _group(mentor, programme)
    taken = _booked(programme, mentor, mentee)
    auth.login("mentor@example.org")
    page = client.get(f"/mentoring/sessions/{group.id}/move").get_data(as_text=True)
    assert "Or type another time" in page and 'id="picker"' in page
    typed = (taken.starts_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")  # the mentor's zone is UTC+1/+2
    response = client.post(f"/mentoring/sessions/{group.id}/reschedule", data={"starts_at": typed, "reason": "Room"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="starts_at-errors"' in page
    assert "The mentor already has a session at that time." in page and f'value="{typed}"' in page
    assert ">\r\nRoom</textarea>" in page or "Room</textarea>" in page


def test_a_group_sessions_mentee_has_no_move_page(world, client, auth):
    programme, mentor, _mentee, _other = world
    group = _group(mentor, programme)
    auth.login("mentee@example.org")
    assert client.get(f"/mentoring/sessions/{group.id}/move").status_code == 404
    assert client.get(f"/mentoring/sessions/{group.id}/move/confirm").status_code == 404
    assert client.post(f"/mentoring/sessions/{group.id}/move/confirm", data={"starts_at": ""}).status_code == 404
