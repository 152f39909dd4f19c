"""The session page offers only what the person may do now, and the server refuses the rest."""

from datetime import timedelta

from learnhub.extensions import db
from learnhub.mentoring import availability, booking
from learnhub.mentoring.models import MentoringSession, PartStat, SessionStatus
from learnhub.timeutil import utcnow
from tests.factories import member_of


def _group(mentor, programme, days_ahead=5, capacity=10):
    """A group session `days_ahead` from now (negative: it was), scheduled well before it."""
    starts_at = utcnow().replace(second=0, microsecond=0) + timedelta(days=days_ahead)
    session = booking.schedule_group_session(mentor, programme, booking.GroupSessionInput(
        starts_at=starts_at, duration_minutes=120, place="Ruma, sala", online_url="", agenda="Plans",
        capacity=capacity), now=starts_at - timedelta(days=10))
    db.session.commit()
    return session


def _page(client, session):
    return client.get(f"/mentoring/sessions/{session.id}").get_data(as_text=True)


def test_a_group_sessions_mentee_answers_but_is_offered_no_move_or_cancel_and_is_refused_both(world, client, auth):
    programme, mentor, _mentee, _other = world
    session = _group(mentor, programme)
    auth.login("mentee@example.org")
    page = _page(client, session)
    assert "Move or cancel" not in page and "Remove Ana Other" not in page and "Save attendance" not in page
    assert "Add to calendar" in page and 'value="ACCEPTED"' in page
    moved = client.post(f"/mentoring/sessions/{session.id}/reschedule",
                        data={"starts_at": "2030-01-07T10:00", "reason": ""})
    assert moved.status_code == 404
    assert client.post(f"/mentoring/sessions/{session.id}/cancel", data={}).status_code == 404
    assert client.post(f"/mentoring/sessions/{session.id}/participants/{_other.id}/remove").status_code == 404
    assert db.session.get(MentoringSession, session.id).status == SessionStatus.SCHEDULED


def test_a_past_group_session_offers_no_change_and_the_server_refuses_each(world, client, auth):
    programme, mentor, _mentee, other = world
    session = _group(mentor, programme, days_ahead=-1)
    auth.login("mentor@example.org")
    page = _page(client, session)
    assert "Move or cancel" not in page and "Remove Ana Other" not in page
    assert "Save attendance" in page  # what a past session still needs
    assert client.post(f"/mentoring/sessions/{session.id}/participants/{other.id}/remove").status_code == 409
    assert client.post(f"/mentoring/sessions/{session.id}/cancel", data={}).status_code == 409
    assert len(db.session.get(MentoringSession, session.id).active_participants) == 2
    auth.logout()
    auth.login("mentee@example.org")
    page = _page(client, session)
    assert 'value="ACCEPTED"' not in page and "Your answer: Not answered yet" in page
    assert client.post(f"/mentoring/sessions/{session.id}/respond", data={"partstat": "ACCEPTED"}).status_code == 409


def test_a_session_ahead_offers_its_mentor_no_attendance_yet(world, client, auth):
    programme, mentor, _mentee, _other = world
    session = _group(mentor, programme)
    auth.login("mentor@example.org")
    page = _page(client, session)
    assert "Save attendance" not in page and "Remove Ana Other" in page and "Move or cancel" in page
    assert client.post(f"/mentoring/sessions/{session.id}/attendance", data={}).status_code == 409


def test_a_cancelled_session_offers_nothing_to_add_to_a_calendar_nor_to_answer(world, client, auth):
    programme, mentor, _mentee, _other = world
    session = _group(mentor, programme)
    booking.cancel_session(mentor, session, "")
    db.session.commit()
    auth.login("mentee@example.org")
    page = _page(client, session)
    assert "This session has been cancelled." in page
    assert "Add to calendar" not in page and 'value="ACCEPTED"' not in page and "Move or cancel" not in page
    assert client.get(f"/mentoring/sessions/{session.id}.ics").status_code == 409
    assert client.post(f"/mentoring/sessions/{session.id}/respond", data={"partstat": "ACCEPTED"}).status_code == 409
    auth.logout()
    auth.login("mentor@example.org")
    assert "Save attendance" not in _page(client, session)
    assert client.post(f"/mentoring/sessions/{session.id}/attendance", data={}).status_code == 409


def test_a_full_group_session_offers_coming_only_to_those_who_already_come(world, client, auth):
    programme, mentor, mentee, _other = world
    session = _group(mentor, programme, capacity=1)
    booking.respond(mentee, session, PartStat.ACCEPTED)
    db.session.commit()
    auth.login("other@example.org")
    page = _page(client, session)
    assert 'value="ACCEPTED"' not in page and 'value="DECLINED"' in page
    assert "All places in this session are taken." in page
    auth.logout()
    auth.login("mentee@example.org")
    assert 'value="ACCEPTED"' in _page(client, session)


def test_the_mentor_sees_how_many_come_decline_or_have_not_answered(world, client, auth):
    programme, mentor, mentee, other = world
    third = member_of(programme.organisations[0].organisation, email="third@example.org")
    session = _group(mentor, programme)
    booking.respond(mentee, session, PartStat.ACCEPTED)
    booking.respond(other, session, PartStat.DECLINED)
    db.session.commit()
    assert session.answer_counts == {PartStat.NEEDS_ACTION: 1, PartStat.ACCEPTED: 1, PartStat.DECLINED: 1,
                                     PartStat.TENTATIVE: 0}
    assert third.id
    auth.login("mentor@example.org")
    page = _page(client, session)
    assert "Coming: 1" in page and "Not coming: 1" in page and "Not answered yet: 1" in page and "Maybe: 0" in page
    auth.logout()
    auth.login("mentee@example.org")
    assert "Not coming: 1" not in _page(client, session)  # the others' answers stay private


def test_cancelling_without_a_reason_cancels_and_tells_everyone(world, client, auth):
    programme, mentor, mentee, _other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, _next_free_slot(programme, mentor))
    db.session.commit()
    auth.login("mentee@example.org")
    response = client.post(f"/mentoring/sessions/{session.id}/cancel", data={"cancel-reason": ""},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "The session has been cancelled and everyone has been told." in response.get_data(as_text=True)
    assert db.session.get(MentoringSession, session.id).status == SessionStatus.CANCELLED


def test_cancelling_what_can_no_longer_be_cancelled_answers_on_the_session_page_keeping_the_reason(world, client,
                                                                                                 auth):
    programme, mentor, mentee, _other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, _next_free_slot(programme, mentor))
    db.session.commit()
    booking.cancel_session(mentor, session, "Mentor ill")  # meanwhile, in another tab
    db.session.commit()
    auth.login("mentee@example.org")
    response = client.post(f"/mentoring/sessions/{session.id}/cancel", data={"cancel-reason": "Sick child"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Individual mentoring" in page and "This session has been cancelled." in page
    assert "Sick child" not in page  # the form is gone: there is nothing left to cancel


def test_a_refused_cancel_keeps_what_was_typed(world, client, auth):
    programme, mentor, mentee, _other = world
    session = booking.book_slot(mentee, programme.id, mentor.id, _next_free_slot(programme, mentor))
    db.session.commit()
    auth.login("mentee@example.org")
    response = client.post(f"/mentoring/sessions/{session.id}/cancel", data={"cancel-reason": "x" * 1001})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Individual mentoring" in page and "x" * 1001 in page
    assert db.session.get(MentoringSession, session.id).status == SessionStatus.SCHEDULED


def _individual(programme, mentor, mentee) -> MentoringSession:
    session = booking.book_slot(mentee, programme.id, mentor.id, _next_free_slot(programme, mentor))
    db.session.commit()
    return session


def test_a_one_to_one_session_offers_its_mentee_no_answer_removal_attendance_nor_notes_and_refuses_them(
        world, client, auth):
    programme, mentor, mentee, _other = world
    session = _individual(programme, mentor, mentee)
    auth.login("mentee@example.org")
    page = _page(client, session)
    assert 'name="partstat"' not in page and "Remove " not in page and "Save attendance" not in page
    assert "Save note" not in page and "Evaluate this session" not in page
    assert "Move or cancel" in page and "Choose a new time" in page
    url = f"/mentoring/sessions/{session.id}"
    assert client.post(f"{url}/respond", data={"partstat": "DECLINED"}).status_code == 404
    assert client.post(f"{url}/participants/{mentee.id}/remove").status_code == 404
    assert client.post(f"{url}/attendance", data={"present": str(mentee.id)}).status_code == 404
    assert client.post(f"{url}/notes", data={"body": "Mine"}).status_code == 404
    evaluated = client.post(f"{url}/evaluation", data={"accessibility": "5", "usefulness": "5", "quality": "5"})
    assert evaluated.status_code == 409 and "opens when the session has ended" in evaluated.get_data(as_text=True)
    db.session.expire_all()
    session = db.session.get(MentoringSession, session.id)
    assert session.active_participants[0].partstat == PartStat.ACCEPTED and session.sequence == 0


def test_a_past_one_to_one_session_offers_no_move_nor_cancel_and_refuses_both_on_its_page(world, client, auth):
    programme, mentor, mentee, _other = world
    session = _individual(programme, mentor, mentee)
    session.starts_at, session.ends_at = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
    db.session.commit()
    auth.login("mentee@example.org")
    page = _page(client, session)
    assert "Move or cancel" not in page and "Evaluate this session" in page
    for response in (client.post(f"/mentoring/sessions/{session.id}/cancel", data={"cancel-reason": "Late"}),
                     client.get(f"/mentoring/sessions/{session.id}/move"),
                     client.post(f"/mentoring/sessions/{session.id}/reschedule", data={"starts_at": "2030-01-07T10:00"})):
        assert response.status_code == 409 and "This session has already started." in response.get_data(as_text=True)
    assert db.session.get(MentoringSession, session.id).status == SessionStatus.SCHEDULED


def test_a_cancelled_session_offers_no_move_cancel_or_removal_and_refuses_each_on_its_page(world, client, auth):
    programme, mentor, _mentee, other = world
    session = _group(mentor, programme)
    booking.cancel_session(mentor, session, "Mentor ill")
    db.session.commit()
    auth.login("mentor@example.org")
    page = _page(client, session)
    assert "Move or cancel" not in page and "Remove Ana Other" not in page and "Add to calendar" not in page
    url = f"/mentoring/sessions/{session.id}"
    for response in (client.post(f"{url}/cancel", data={}), client.get(f"{url}/move"),
                     client.post(f"{url}/participants/{other.id}/remove")):
        page = response.get_data(as_text=True)
        assert response.status_code == 409 and "Group mentoring" in page and "This session has been cancelled." in page
    assert db.session.get(MentoringSession, session.id).sequence == 1


def test_answering_coming_to_a_full_session_is_refused_on_its_page(world, client, auth):
    programme, mentor, mentee, _other = world
    session = _group(mentor, programme, capacity=1)
    booking.respond(mentee, session, PartStat.ACCEPTED)
    db.session.commit()
    auth.login("other@example.org")
    response = client.post(f"/mentoring/sessions/{session.id}/respond", data={"partstat": "ACCEPTED"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "All places in this session are taken." in page and "Group mentoring" in page
    assert client.post(f"/mentoring/sessions/{session.id}/respond", data={"partstat": "DECLINED"}).status_code == 302


def test_an_evaluation_once_given_is_offered_no_more_and_refused_again(world, client, auth):
    programme, mentor, mentee, _other = world
    session = _individual(programme, mentor, mentee)
    session.starts_at, session.ends_at = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
    db.session.commit()
    auth.login("mentee@example.org")
    answer = {"accessibility": "5", "usefulness": "4", "quality": "5"}
    assert client.post(f"/mentoring/sessions/{session.id}/evaluation", data=answer).status_code == 302
    assert "Evaluate this session" not in _page(client, session)
    again = client.post(f"/mentoring/sessions/{session.id}/evaluation", data=answer)
    assert again.status_code == 409 and "already answered" in again.get_data(as_text=True)


def _next_free_slot(programme, mentor):
    _mentor, slots = availability.programme_mentor_slots(programme, mentor.id, utcnow())
    return slots[0].starts_at
