import re
from datetime import datetime, timedelta

import icalendar
import pytest
import vobject
from sqlalchemy import func, insert, select

from learnhub.errors import Conflict, InvalidInput, NotFound
from learnhub.extensions import db
from learnhub.mail.services import send_pending
from learnhub.mentoring import access, availability, booking, feeds, invitations, overview, plans
from learnhub.mentoring.models import (
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    PartStat,
    ProgrammeMentor,
    SessionKind,
    SessionStatus,
)
from learnhub.people.models import MembershipRole, Organisation, Role, User
from learnhub.timeutil import utc_to_local, utcnow
from tests.factories import PASSWORD, OrganisationFactory, ProgrammeFactory, UserFactory, member_of
from tests.parallel import post_at_once, signed_in

MONDAY_0800_UTC = datetime(2027, 3, 1, 8, 0)  # 09:00 in Belgrade (CET)
NOW = datetime(2027, 2, 26, 12, 0)


def _calendar_part(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 2 and parts[1].get_filename() == "invite.ics"
    return parts[0].get_param("method"), vobject.readOne(parts[0].get_content())


def test_mentee_books_a_free_slot_and_both_get_an_invitation(world, smtp_sink):
    programme, mentor, mentee, _other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    db.session.commit()
    send_pending()
    [mail] = smtp_sink.to("mentee@example.org")
    assert mail.get_content_type() == "multipart/mixed"
    method, calendar = _calendar_part(mail)
    assert method == "REQUEST" and calendar.method.value == "REQUEST"
    event = calendar.vevent
    assert event.uid.value == f"session-{session.id}@localhost" and int(event.sequence.value) == 0
    assert [a.value for a in event.attendee_list] == ["mailto:mentee@example.org"]
    assert event.dtstart.value.utcoffset() == timedelta(hours=1)  # Europe/Belgrade in winter
    assert len(smtp_sink.to("mentor@example.org")) == 1


@pytest.mark.parametrize("start, problem", [
    (MONDAY_0800_UTC + timedelta(minutes=20), "no longer free"),  # not on the slot grid
    (datetime(2027, 3, 6, 8, 0), "no longer free"),  # Saturday: no availability
    (NOW - timedelta(days=1), "no longer free"),  # in the past
    (MONDAY_0800_UTC + timedelta(weeks=8), "no longer free"),  # beyond the 30 days the mentor opens
])
def test_unavailable_times_are_refused_and_nothing_is_written(world, smtp_sink, start, problem):
    programme, mentor, mentee, _other = world
    with pytest.raises(Conflict, match=problem):
        booking.book_slot(mentee, programme.id, mentor.id, start, now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 0
    assert send_pending() == (0, 0)


def test_a_start_the_database_already_holds_is_refused_and_nothing_is_written(world, smtp_sink, monkeypatch):
    programme, mentor, mentee, other = world
    booking.book_slot(other, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    db.session.commit()
    # As if two bookings slipped past the checks together: the unique index on (mentor, start) decides.
    monkeypatch.setattr(availability, "is_bookable", lambda *args: True)
    with pytest.raises(Conflict, match="no longer free"):
        booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    db.session.rollback()  # what the error handler does
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 1
    assert send_pending() == (2, 0)  # the first booking's invitations only


def test_too_short_notice_is_refused(world):
    programme, mentor, mentee, _other = world
    db.session.get(MentorProfile, mentor.id).min_notice_hours = 48
    with pytest.raises(Conflict):
        booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=MONDAY_0800_UTC - timedelta(hours=20))


def test_a_slot_cannot_be_taken_twice(world):
    programme, mentor, mentee, other = world
    booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    with pytest.raises(Conflict):
        booking.book_slot(other, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)


def test_booking_a_slot_one_already_has_shows_that_booking(world, smtp_sink):
    programme, mentor, mentee, _other = world
    first = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    assert booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW) is first
    db.session.commit()
    assert send_pending() == (2, 0)  # one invitation each for the mentee and the mentor


def test_monthly_limit_per_mentee(world):
    programme, mentor, mentee, _other = world
    db.session.get(MentorProfile, mentor.id).max_sessions_per_mentee_per_month = 1
    booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    with pytest.raises(Conflict, match="most individual sessions"):
        booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC + timedelta(days=1), now=NOW)


def test_the_monthly_limit_holds_when_a_mentee_moves_a_session_into_another_month(world):
    programme, mentor, mentee, _other = world
    profile = db.session.get(MentorProfile, mentor.id)
    profile.max_sessions_per_mentee_per_month, profile.max_days_ahead = 1, 60
    booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    april = booking.book_slot(mentee, programme.id, mentor.id, datetime(2027, 4, 5, 7, 0), now=NOW)
    tuesday_in_march = MONDAY_0800_UTC + timedelta(days=1)
    with pytest.raises(Conflict, match="most individual sessions"):
        booking.reschedule(mentee, april, tuesday_in_march, "", now=NOW)
    booking.reschedule(mentee, april, datetime(2027, 4, 6, 7, 0), "", now=NOW)  # within its month: fine
    booking.reschedule(mentor, april, tuesday_in_march, "", now=NOW)  # the mentor may give more time


@pytest.mark.parametrize("neighbour_kind, neighbour_local_start", [
    (SessionKind.INDIVIDUAL, "09:45"),  # the moved hour runs into it
    (SessionKind.GROUP, "10:10"),  # the moved hour ends before it, but inside the 15-minute buffer
])
def test_a_move_is_refused_when_the_session_with_its_buffer_overlaps_another_of_the_mentors_sessions(
        world, neighbour_kind, neighbour_local_start):
    """A session keeps its length when it moves: the whole of it, with the buffer, must be clear of the
    mentor's other sessions, even where the mentor now offers shorter slots that are."""
    programme, mentor, mentee, other = world
    hour = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)  # 60-minute slots
    db.session.get(MentorProfile, mentor.id).slot_minutes = 30  # Tuesday offers 09:00, 09:45, 10:30, 11:15
    tuesday = MONDAY_0800_UTC + timedelta(days=1)  # 09:00 in Belgrade
    hours, minutes = map(int, neighbour_local_start.split(":"))
    neighbour_start = tuesday + timedelta(hours=hours - 9, minutes=minutes)
    if neighbour_kind == SessionKind.INDIVIDUAL:
        booking.book_slot(other, programme.id, mentor.id, neighbour_start, now=NOW)
    else:
        booking.schedule_group_session(mentor, programme, booking.GroupSessionInput(
            starts_at=neighbour_start, duration_minutes=30, place="Ruma, sala", online_url="", agenda="",
            capacity=10), now=NOW)
    db.session.commit()
    _mentor, slots = availability.programme_mentor_slots(programme, mentor.id, NOW)
    assert tuesday in [s.starts_at for s in slots]  # a 30-minute slot fits there; the hour does not
    for actor in (mentee, mentor):
        with pytest.raises(Conflict, match="no longer free"):
            booking.reschedule(actor, hour, tuesday, "", now=NOW)
        db.session.rollback()
    stored = db.session.get(MentoringSession, hour.id)
    assert (stored.starts_at, stored.ends_at, stored.sequence) == (
        MONDAY_0800_UTC, MONDAY_0800_UTC + timedelta(hours=1), 0)


def test_a_session_that_began_the_day_before_still_takes_the_time_it_covers(world):
    programme, mentor, mentee, _other = world
    db.session.add(MentoringSession(
        programme_id=programme.id, mentor_id=mentor.id, kind=SessionKind.GROUP, capacity=10,
        starts_at=MONDAY_0800_UTC - timedelta(hours=26), ends_at=MONDAY_0800_UTC + timedelta(minutes=30)))
    db.session.flush()
    with pytest.raises(Conflict, match="no longer free"):
        booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)


def test_programme_staff_who_are_not_its_mentees_cannot_book(world):
    programme, mentor, _mentee, _other = world
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    for person in (mentor, admin):
        access.programme_for(person, programme.id)  # they see the programme
        with pytest.raises(NotFound):
            booking.book_slot(person, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 0


def test_people_outside_the_programme_cannot_book_or_see_it(world):
    programme, mentor, _mentee, _other = world
    outsider = UserFactory()
    with pytest.raises(NotFound):
        booking.book_slot(outsider, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    with pytest.raises(NotFound):
        access.programme_for(outsider, programme.id)


def _group(mentor, programme, starts_at=MONDAY_0800_UTC, capacity=10, place="Ruma, sala"):
    return booking.schedule_group_session(mentor, programme, booking.GroupSessionInput(
        starts_at=starts_at, duration_minutes=120, place=place, online_url="", agenda="Plans", capacity=capacity),
        now=NOW)


def test_group_session_invites_each_mentee_privately(world, smtp_sink):
    programme, mentor, _mentee, _other = world
    _group(mentor, programme)
    db.session.commit()
    send_pending()
    for address in ("mentee@example.org", "other@example.org"):
        [mail] = smtp_sink.to(address)
        _method, calendar = _calendar_part(mail)
        assert [a.value for a in calendar.vevent.attendee_list] == [f"mailto:{address}"]
        raw = "".join(str(p.get_content()) for p in mail.walk() if p.get_content_maintype() == "text")
        assert ({"mentee@example.org", "other@example.org"} - {address}).pop() not in raw


def test_group_and_individual_sessions_of_a_mentor_never_overlap(world):
    programme, mentor, mentee, _other = world
    booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    with pytest.raises(Conflict, match="already has a session"):
        _group(mentor, programme, starts_at=MONDAY_0800_UTC + timedelta(minutes=30))
    db.session.rollback()
    group = _group(mentor, programme, starts_at=MONDAY_0800_UTC + timedelta(days=1))
    _mentor, slots = availability.programme_mentor_slots(programme, mentor.id, NOW)
    assert group.starts_at not in [s.starts_at for s in slots]


def test_the_booking_page_offers_a_programme_mentors_free_times_and_nothing_of_others(world):
    programme, mentor, mentee, _other = world
    booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    shown_mentor, slots = availability.programme_mentor_slots(programme, mentor.id, NOW)
    assert shown_mentor == mentor and slots and MONDAY_0800_UTC not in [s.starts_at for s in slots]
    # A mentor of the programme who never set their availability offers nothing, rather than failing.
    newcomer = UserFactory(roles=[Role.MENTOR])
    programme.mentors.append(ProgrammeMentor(user_id=newcomer.id))
    db.session.flush()
    assert db.session.get(MentorProfile, newcomer.id) is None
    assert availability.programme_mentor_slots(programme, newcomer.id, NOW) == (newcomer, [])
    with pytest.raises(NotFound):  # someone who does not mentor this programme
        availability.programme_mentor_slots(programme, mentee.id, NOW)


def test_the_programme_page_lists_to_each_person_the_sessions_they_can_open(world, client, auth):
    programme, mentor, mentee, other = world
    own = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    others = booking.book_slot(other, programme.id, mentor.id, MONDAY_0800_UTC + timedelta(days=1), now=NOW)
    group = _group(mentor, programme, starts_at=NOW + timedelta(days=5))
    left = _group(mentor, programme, starts_at=NOW + timedelta(days=6))
    booking.remove_participant(mentor, left, mentee.id)
    co_mentor = UserFactory(roles=[Role.MENTOR])
    programme.mentors.append(ProgrammeMentor(user_id=co_mentor.id))
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    db.session.commit()
    expected = {mentee: [group, own], other: [left, group, others], mentor: [left, group, others, own],
                co_mentor: [], admin: [left, group, others, own]}  # latest first
    for viewer, sessions in expected.items():
        listed = access.programme_sessions(viewer, programme, 1, 25).items
        assert listed == sessions
        assert all(access.session_for(viewer, s.id) for s in listed)  # none of them leads to "not found"
    auth.login("mentee@example.org")
    page = client.get(f"/mentoring/programmes/{programme.id}").get_data(as_text=True)
    assert f"/mentoring/sessions/{own.id}" in page and f"/mentoring/sessions/{others.id}" not in page


def test_the_programme_page_shows_its_sessions_a_page_at_a_time(world, client, auth):
    programme, mentor, _mentee, _other = world
    sessions = [_group(mentor, programme, starts_at=NOW + timedelta(days=day)) for day in range(1, 28)]
    db.session.commit()
    auth.login("mentor@example.org")
    url = f"/mentoring/programmes/{programme.id}"
    first = client.get(url).get_data(as_text=True)
    assert first.count("/mentoring/sessions/") == 25 and f"{url}?page=2" in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert [f"/mentoring/sessions/{s.id}\"" in second for s in sessions[:3]] == [True, True, False]


def test_rsvp_respects_capacity(world):
    programme, mentor, mentee, other = world
    session = _group(mentor, programme, capacity=1)
    booking.respond(mentee, session, PartStat.ACCEPTED)
    with pytest.raises(Conflict, match="places"):
        booking.respond(other, session, PartStat.ACCEPTED)
    booking.respond(other, session, PartStat.TENTATIVE)
    with pytest.raises(InvalidInput):
        booking.respond(other, session, "MAYBE-LATER")


def _sequences_and_methods(smtp_sink, address):
    result = []
    for mail in smtp_sink.to(address):
        method, calendar = _calendar_part(mail)
        result.append((method, int(calendar.vevent.sequence.value), calendar.vevent.uid.value,
                       calendar.vevent.status.value))
    return result


def test_reschedule_and_cancel_keep_the_uid_and_raise_the_sequence(world, smtp_sink):
    programme, mentor, mentee, _other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    booking.reschedule(mentee, session, MONDAY_0800_UTC + timedelta(days=1), "Sick child", now=NOW)
    booking.cancel_session(mentor, session, "Mentor ill", now=NOW)
    db.session.commit()
    send_pending()
    history = _sequences_and_methods(smtp_sink, "mentee@example.org")
    assert [(m, seq, status) for m, seq, _uid, status in history] == [
        ("REQUEST", 0, "CONFIRMED"), ("REQUEST", 1, "CONFIRMED"), ("CANCEL", 2, "CANCELLED")]
    assert len({uid for _m, _s, uid, _st in history}) == 1
    assert db.session.get(MentoringSession, session.id).status == SessionStatus.CANCELLED


def test_the_mentor_is_sent_their_copy_to_publish_and_every_request_or_cancel_names_an_attendee(world, smtp_sink):
    programme, mentor, mentee, other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    booking.reschedule(mentee, session, MONDAY_0800_UTC + timedelta(days=1), "Sick child", now=NOW)
    booking.cancel_session(mentor, session, "Mentor ill", now=NOW)
    group = _group(mentor, programme, starts_at=MONDAY_0800_UTC + timedelta(days=2))
    booking.remove_participant(mentor, group, other.id)
    db.session.commit()
    send_pending()

    own_copies = [_calendar_part(mail) for mail in smtp_sink.to("mentor@example.org")]
    assert [(method, int(copy.vevent.sequence.value), copy.vevent.status.value) for method, copy in own_copies] == [
        ("PUBLISH", 0, "CONFIRMED"), ("PUBLISH", 1, "CONFIRMED"), ("PUBLISH", 2, "CANCELLED"),
        ("PUBLISH", 0, "CONFIRMED"), ("PUBLISH", 1, "CONFIRMED")]
    assert all(copy.method.value == "PUBLISH" and copy.vevent.organizer.value == "mailto:mentor@example.org"
               for _method, copy in own_copies)
    for mail in smtp_sink.messages:  # RFC 5546 §3.2.2 and §3.2.5: a REQUEST or CANCEL names its attendees
        method, copy = _calendar_part(mail)
        [event] = icalendar.Calendar.from_ical(copy.serialize()).walk("VEVENT")
        if method in ("REQUEST", "CANCEL"):
            assert copy.vevent.attendee_list and event.get("ATTENDEE")
            assert copy.vevent.organizer.value != f"mailto:{mail['To']}"


def test_a_move_tells_its_reason_and_someone_removed_after_it_is_not_told_it_as_a_cancellation(world, smtp_sink):
    programme, mentor, mentee, other = world
    session = _group(mentor, programme)  # Monday 09:00-11:00 in Belgrade
    booking.reschedule(mentor, session, MONDAY_0800_UTC + timedelta(days=1), "Room flooded", now=NOW)
    booking.remove_participant(mentor, session, other.id)
    db.session.commit()
    send_pending()

    _invited, moved, _still_there = smtp_sink.to("mentee@example.org")
    text = smtp_sink.text_of(moved)
    assert "This mentoring session has changed" in text and "Why the time changed: Room flooded" in text
    [when] = [line for line in text.splitlines() if line.startswith("When:")]
    assert when == "When: Tue, Mar 2, 2027, 9:00 – 11:00 AM CET"
    _method, calendar = _calendar_part(moved)
    assert "Room flooded" in calendar.vevent.description.value

    _invited, _moved, removed = smtp_sink.to("other@example.org")
    method, calendar = _calendar_part(removed)
    text = smtp_sink.text_of(removed)
    assert method == "CANCEL" and "Room flooded" not in text and "Room flooded" not in calendar.serialize()
    assert "You are no longer taking part in this mentoring session." in text

    stored = db.session.get(MentoringSession, session.id)
    assert (stored.reschedule_reason, stored.cancel_reason) == ("Room flooded", "")
    booking.cancel_session(mentor, stored, "Mentor ill", now=NOW)
    db.session.commit()
    smtp_sink.clear()
    send_pending()
    text = smtp_sink.text_of(smtp_sink.to("mentee@example.org")[0])
    assert "This mentoring session has been cancelled. Mentor ill" in text and "Room flooded" not in text


def test_cancelling_needs_no_reason_and_a_cancelled_session_cannot_change(world):
    programme, mentor, mentee, _other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    booking.cancel_session(mentor, session, " ", now=NOW)
    assert (session.status, session.cancel_reason) == (SessionStatus.CANCELLED, "")
    with pytest.raises(Conflict):
        booking.cancel_session(mentor, session, "Ill", now=NOW)
    with pytest.raises(Conflict):
        booking.reschedule(mentor, session, MONDAY_0800_UTC + timedelta(days=1), "", now=NOW)


def test_removing_an_attendee_cancels_for_them_and_updates_the_others(world, smtp_sink):
    programme, mentor, mentee, other = world
    session = _group(mentor, programme)
    booking.remove_participant(mentor, session, other.id)
    db.session.commit()
    send_pending()
    assert [m for m, *_rest in _sequences_and_methods(smtp_sink, "other@example.org")] == ["REQUEST", "CANCEL"]
    assert [(m, s) for m, s, *_rest in _sequences_and_methods(smtp_sink, "mentee@example.org")] == [
        ("REQUEST", 0), ("REQUEST", 1)]
    with pytest.raises(NotFound):
        access.session_for(other, session.id)


def test_control_characters_cannot_inject_headers_or_properties(world, smtp_sink):
    programme, mentor, _mentee, _other = world
    programme.name = "Mentorstvo\r\nBcc: victim@example.org\r\nATTENDEE:mailto:evil@example.org"
    _group(mentor, programme, place="Sala\r\nATTENDEE:mailto:evil@example.org")
    db.session.commit()
    send_pending()
    assert smtp_sink.to("victim@example.org") == [] and smtp_sink.to("evil@example.org") == []
    for mail in smtp_sink.messages:
        assert mail["Bcc"] is None
        if mail["To"] != "mentor@example.org":
            _method, calendar = _calendar_part(mail)
            assert all("evil" not in a.value for a in calendar.vevent.attendee_list)


def test_feed_lists_my_sessions_without_anyones_address_and_rotation_kills_the_old_url(world, client, runner):
    programme, mentor, mentee, _other = world
    _group(mentor, programme)
    db.session.commit()
    token = feeds.feed_token(mentee)
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.get_data(as_text=True)
    calendar = vobject.readOne(body)
    assert calendar.method.value == "PUBLISH" and "REFRESH-INTERVAL" in body
    assert "ATTENDEE" not in body and "other@example.org" not in body
    assert "session-" in calendar.vevent.uid.value

    assert token in runner.invoke(args=["calendar", "feed-url", "MENTEE@example.org"]).output
    feeds.rotate_feed_token(mentee)
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{feeds.feed_token(mentee)}.ics").status_code == 200
    assert client.get("/calendar/1-forged.ics").status_code == 404


def test_reminders_go_out_once_per_lead_time(world, smtp_sink):
    programme, mentor, mentee, _other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    db.session.commit()
    send_pending()
    smtp_sink.clear()
    day_before = session.starts_at - timedelta(hours=23)
    assert invitations.send_reminders(day_before, (1440, 60)) == 2  # mentee and mentor
    assert invitations.send_reminders(day_before, (1440, 60)) == 0
    assert invitations.send_reminders(session.starts_at - timedelta(minutes=30), (1440, 60)) == 2
    db.session.commit()
    send_pending()
    assert len(smtp_sink.to("mentee@example.org")) == 2


def test_a_session_less_than_an_hour_ahead_gets_only_the_nearest_reminder(world, smtp_sink):
    programme, mentor, mentee, _other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    db.session.commit()
    send_pending()
    smtp_sink.clear()
    half_an_hour_before = session.starts_at - timedelta(minutes=30)
    assert invitations.send_reminders(half_an_hour_before, (1440, 60)) == 2  # mentee and mentor, once each
    assert invitations.send_reminders(half_an_hour_before + timedelta(minutes=5), (1440, 60)) == 0  # not the day-before one now
    db.session.commit()
    send_pending()
    assert len(smtp_sink.to("mentee@example.org")) == 1 and len(smtp_sink.to("mentor@example.org")) == 1


def test_private_notes_stay_with_the_mentor(world):
    programme, mentor, mentee, _other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    plans.add_note(mentor, session, "Private observation", is_shared=False)
    plans.add_note(mentor, session, "Agreed next steps", is_shared=True)
    assert [n.body for n in plans.notes_for(mentee, session)] == ["Agreed next steps"]
    assert len(plans.notes_for(mentor, session)) == 2
    with pytest.raises(NotFound):
        plans.add_note(mentee, session, "x", is_shared=True)


def test_plan_changes_keep_history_and_good_practice_is_shared(world):
    programme, mentor, _mentee, _other = world
    organisation_id = programme.organisations[0].organisation_id
    boss = member_of(programme.organisations[0].organisation, MembershipRole.ORG_ADMIN)
    plan = plans.plan_for(boss, programme, organisation_id)
    action = plans.ActionInput("Parents' evening", "Marija", NOW.date() + timedelta(days=7))
    plans.update_plan(boss, plan, "Involve parents", "Time", "Monthly meetings", "in_progress", [action], False)
    plans.update_plan(mentor, plan, "Involve parents", "Time", "Monthly meetings", "done", [action], True)
    assert [r.snapshot["status"] for r in plans.plan_history(plan)] == ["done", "in_progress"]
    assert plans.good_practice(programme) == [plan]
    with pytest.raises(NotFound):
        plans.plan_for(UserFactory(), programme, organisation_id)
    with pytest.raises(InvalidInput):
        plans.update_plan(boss, plan, "", "", "", "finished", [], False)


def test_saving_over_someone_elses_newer_plan_is_refused_and_keeps_what_you_typed(world, app):
    programme, mentor, _mentee, _other = world
    organisation = programme.organisations[0].organisation
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    db.session.commit()
    url = f"/mentoring/programmes/{programme.id}/plans/{organisation.id}"
    boss, other = (signed_in(app, email) for email in ("boss@example.org", "mentor@example.org"))

    def edit(client, goals: str, page: str | None = None):
        based_on = re.search(r'name="based_on" type="hidden" value="([^"]*)"', page or client.get(url).text).group(1)
        return client.post(url, data={"goals": goals, "status": "in_progress", "based_on": based_on})

    assert edit(boss, "Involve parents").status_code == 302  # the first version
    boss_page = boss.get(url).text
    assert edit(other, "Monthly parents' evenings").status_code == 302  # saved while the boss was typing
    refused = edit(boss, "Involve parents and service users", boss_page)
    assert refused.status_code == 409 and "Someone else saved this plan" in refused.text
    assert "Involve parents and service users</textarea>" in refused.text
    db.session.expire_all()
    plan = plans.plan_for(mentor, programme, organisation.id)
    assert plan.goals == "Monthly parents' evenings"
    # Having been told, saving the same form again keeps the boss's version (and both stay in the history).
    assert edit(boss, "Involve parents and service users", refused.text).status_code == 302
    db.session.expire_all()
    assert plan.goals == "Involve parents and service users" and len(plans.plan_history(plan)) == 3


@pytest.fixture
def parallel_world(parallel_app):
    """A programme with eight mentees, on an app of its own that parallel requests can share."""
    organisation = OrganisationFactory()
    mentor = UserFactory(roles=[Role.MENTOR])
    programme = ProgrammeFactory(mentor=mentor, organisation=organisation)
    mentees = [member_of(organisation) for _ in range(8)]
    db.session.commit()
    return parallel_app, programme, mentor, mentees


def test_parallel_bookings_of_one_slot_give_exactly_one_session(parallel_world):
    app, programme, mentor, mentees = parallel_world
    slot = availability.programme_mentor_slots(programme, mentor.id, utcnow())[1][0]
    url = f"/mentoring/programmes/{programme.id}/mentors/{mentor.id}/book"
    posts = [(signed_in(app, mentee.email), url, {"starts_at": slot.starts_at.isoformat()}) for mentee in mentees]
    assert sorted(post_at_once(posts)) == [302] + [409] * 7
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 1


def test_a_double_tap_on_book_shows_the_booking_twice(parallel_world):
    app, programme, mentor, [mentee, *_others] = parallel_world
    slot = availability.programme_mentor_slots(programme, mentor.id, utcnow())[1][0]
    url = f"/mentoring/programmes/{programme.id}/mentors/{mentor.id}/book"
    taps = [(signed_in(app, mentee.email), url, {"starts_at": slot.starts_at.isoformat()}) for _ in range(4)]
    assert post_at_once(taps) == [302] * 4
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 1


def test_parallel_answers_never_fill_a_group_session_beyond_its_places(parallel_world):
    app, programme, mentor, mentees = parallel_world
    session_id = _group(mentor, programme, capacity=2).id
    db.session.commit()
    url = f"/mentoring/sessions/{session_id}/respond"
    posts = [(signed_in(app, mentee.email), url, {"partstat": PartStat.ACCEPTED}) for mentee in mentees]
    assert sorted(post_at_once(posts)) == [302] * 2 + [409] * 6
    db.session.expire_all()
    participants = db.session.get(MentoringSession, session_id).participants
    assert sum(p.partstat == PartStat.ACCEPTED for p in participants) == 2


def test_parallel_changes_to_a_session_each_raise_its_sequence(parallel_world, smtp_sink):
    """Calendars ignore an update whose SEQUENCE they have seen: two changes must never share one."""
    app, programme, mentor, mentees = parallel_world
    session_id = _group(mentor, programme).id
    db.session.commit()
    url = f"/mentoring/sessions/{session_id}/reschedule"
    posts = [(signed_in(app, mentor.email), url, {"starts_at": f"2027-03-0{day}T10:00", "reason": ""})
             for day in range(2, 6)]
    assert post_at_once(posts) == [302] * 4
    db.session.expire_all()
    assert db.session.get(MentoringSession, session_id).sequence == 4
    send_pending()
    sequences = [sequence for _method, sequence, *_ in _sequences_and_methods(smtp_sink, mentees[0].email)]
    assert sorted(sequences) == [0, 1, 2, 3, 4]


def test_institute_admin_creates_a_programme_with_organisations_and_individual_mentees(client):
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    mentor = UserFactory(roles=[Role.MENTOR])
    organisation = OrganisationFactory()
    psychologist = UserFactory(email="psiholog@example.org")
    client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    data = {"name": "Mentorstvo za psihologe u opštinama", "starts_on": "2027-01-01", "ends_on": "2027-12-31",
            "mentor_ids": [str(mentor.id)], "organisation_ids": [str(organisation.id)],
            "mentee_emails": "Psiholog@example.org\n"}
    response = client.post("/mentoring/programmes/new", data=data)
    assert response.status_code == 302
    programme = access.programme_for(psychologist, int(response.location.rsplit("/", 1)[1]))
    assert psychologist.id in access.mentee_ids(programme)
    assert client.post("/mentoring/programmes/new", data={**data, "mentee_emails": "nobody@example.org"}
                       ).status_code == 400
    assert client.post("/mentoring/programmes/new", data={**data, "mentor_ids": [str(admin.id)]}).status_code == 400
    # Ids that name no one and nothing (a stale form, or typed by hand): refused, and nothing is written.
    for unknown in ({"organisation_ids": [str(organisation.id), "2147483647"]},
                    {"mentor_ids": [str(mentor.id), "2147483647"]}, {"learning_set_id": "2147483647"}):
        response = client.post("/mentoring/programmes/new", data={**data, **unknown})
        assert response.status_code == 400 and "Please choose from the lists." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MentoringProgramme)) == 1


def test_the_new_programme_form_offers_every_mentor_and_organisation_however_many_there_are(client):
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    municipality_id = OrganisationFactory(name="Aaa first").municipality_id
    # More people and organisations than the form once looked through, all named before the mentors.
    db.session.execute(insert(User), [{"email": f"a{n}@example.org", "display_name": f"Aaa {n:03d}",
                                       "password_hash": "-"} for n in range(500)])
    db.session.execute(insert(Organisation), [{"name": f"Aaa {n:03d}", "municipality_id": municipality_id}
                                              for n in range(500)])
    mentors = [UserFactory(display_name=f"Zora Mentor {n}", roles=[Role.MENTOR]) for n in range(2)]
    UserFactory(display_name="Zora Former Mentor", roles=[Role.MENTOR], is_active_account=False)
    last = OrganisationFactory(name="Zzz Dnevni boravak")
    db.session.commit()
    client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    page = client.get("/mentoring/programmes/new").get_data(as_text=True)
    assert re.findall(r'name="mentor_ids" type="checkbox" value="(\d+)"', page) == [str(m.id) for m in mentors]
    organisations = re.findall(r'name="organisation_ids" type="checkbox" value="(\d+)"', page)
    assert len(organisations) == 502 and organisations[-1] == str(last.id)


def test_overview_shows_next_session_and_invitations_to_answer(world, client):
    programme, mentor, mentee, _other = world
    session = _group(mentor, programme, starts_at=NOW + timedelta(days=2))
    db.session.commit()
    seen = overview.overview(mentee, NOW)
    assert seen.next_session.id == session.id and seen.awaiting_answer == [session]
    assert seen.upcoming == [session]
    booking.respond(mentee, session, PartStat.ACCEPTED)
    assert overview.overview(mentee, NOW).awaiting_answer == []


def test_overview_names_the_next_session_even_beyond_this_week(world):
    programme, mentor, mentee, _other = world
    later = _group(mentor, programme, starts_at=NOW + timedelta(days=10))
    db.session.commit()
    seen = overview.overview(mentee, NOW)
    assert seen.next_session.id == later.id and seen.upcoming == []
    assert seen.awaiting_answer == [later]  # invitations wait for an answer however far ahead


def test_the_week_and_the_feed_list_only_their_period_of_what_one_runs_or_still_attends(world):
    programme, mentor, mentee, _other = world
    old = booking.schedule_group_session(mentor, programme, booking.GroupSessionInput(
        starts_at=NOW - timedelta(days=40), duration_minutes=60, place="Ruma", online_url="", agenda="",
        capacity=10), now=NOW - timedelta(days=60))
    removed = _group(mentor, programme, starts_at=NOW + timedelta(days=2))
    booking.remove_participant(mentor, removed, mentee.id)
    booked = booking.book_slot(mentee, programme.id, mentor.id, MONDAY_0800_UTC, now=NOW)
    this_week = _group(mentor, programme, starts_at=NOW + timedelta(days=3))
    cancelled = _group(mentor, programme, starts_at=NOW + timedelta(days=4))
    booking.cancel_session(mentor, cancelled, "Bolest", now=NOW)
    next_week = _group(mentor, programme, starts_at=NOW + timedelta(days=9))
    far = _group(mentor, programme, starts_at=NOW + timedelta(days=400))
    db.session.commit()

    assert overview.overview(mentor, NOW).upcoming == [removed, booked, this_week]
    assert overview.overview(mentee, NOW).upcoming == [booked, this_week]
    assert overview.overview(mentee, NOW + timedelta(days=5)).upcoming == [next_week]  # the past is left out
    # The feed: from a year ago on, cancelled sessions included (calendars must hear of them).
    feed = {event.uid.split("@")[0] for event in feeds.feed_events(mentee, NOW)}
    assert feed == {f"session-{s.id}" for s in (old, booked, this_week, cancelled, next_week, far)}  # not removed


def test_participants_evaluate_a_session_once_after_it_ended(world):
    programme, mentor, mentee, other = world
    session = _group(mentor, programme)
    db.session.commit()
    ratings = {"accessibility": 5, "usefulness": 4, "quality": 5}
    after = session.ends_at + timedelta(minutes=1)
    with pytest.raises(Conflict, match="when the session has ended"):
        booking.evaluate_session(mentee, session, ratings, "", now=NOW)
    with pytest.raises(InvalidInput):
        booking.evaluate_session(mentee, session, {**ratings, "quality": 6}, "", now=after)
    with pytest.raises(NotFound):
        booking.evaluate_session(UserFactory(), session, ratings, "", now=after)
    booking.evaluate_session(mentee, session, ratings, "Korisno", now=after)
    booking.evaluate_session(other, session, {**ratings, "usefulness": 2}, "", now=after)
    db.session.commit()
    with pytest.raises(Conflict, match="already answered"):
        booking.evaluate_session(mentee, session, ratings, "", now=after)
    summary = booking.session_evaluation_summary(session)
    assert summary.responses == 2 and summary.averages["usefulness"] == 3.0 and summary.comments == ["Korisno"]


def test_the_overview_shows_plans_needing_attention_and_actions_due(world, client, auth):
    programme, mentor, _mentee, _other = world
    organisation = programme.organisations[0].organisation
    boss = member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    plan = plans.plan_for(boss, programme, organisation.id)
    soon, later = utcnow().date() + timedelta(days=3), utcnow().date() + timedelta(days=40)
    plans.update_plan(boss, plan, "Involve parents", "Time", "Monthly meetings", "needs_attention",
                         [plans.ActionInput("Parents' evening", "Marija", soon),
                          plans.ActionInput("Annual review", "Goran", later)], False)
    db.session.commit()
    auth.login("mentor@example.org")
    page = client.get("/mentoring").get_data(as_text=True)
    assert "Plans needing attention" in page and "Dnevni boravak Ruma" in page
    auth.login("boss@example.org")
    page = client.get("/mentoring").get_data(as_text=True)
    assert "Parents&#39; evening (Marija)" in page and "Annual review" not in page  # due in 14 days only



def test_a_booking_mails_each_person_the_time_in_their_own_zone(world, client, auth, smtp_sink):
    programme, mentor, mentee, _other = world
    mentee.time_zone = "America/New_York"
    db.session.commit()
    _mentor, slots = availability.programme_mentor_slots(programme, mentor.id, utcnow())
    starts_at = slots[0].starts_at
    auth.login("mentee@example.org")
    client.post(f"/mentoring/programmes/{programme.id}/mentors/{mentor.id}/book",
                data={"starts_at": starts_at.isoformat()})

    def when(address: str) -> str:
        text = smtp_sink.text_of(smtp_sink.to(address)[0])
        return next(line for line in text.splitlines() if line.startswith("When:"))

    belgrade, new_york = utc_to_local(starts_at, "Europe/Belgrade"), utc_to_local(starts_at, "America/New_York")
    assert f"{belgrade.hour}:00" in when("mentor@example.org") and when("mentor@example.org").endswith((" CET", " CEST"))
    assert f"{new_york.hour % 12 or 12}:00" in when("mentee@example.org") and when("mentee@example.org").endswith((" EST", " EDT"))
