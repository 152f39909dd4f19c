"""Pages run a fixed number of SQL queries, however many rows they show."""

import pytest

from learnhub.extensions import db
from learnhub.mail.services import send_pending
from learnhub.people.models import MembershipRole, Role
from tests.factories import OrganisationFactory, UserFactory, member_of


def _queries_for(client, count_queries, url) -> int:
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/admin/users", "/admin/organisations", "/dashboard"])
def test_admin_lists_do_not_grow_with_rows(client, auth, count_queries, url):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    auth.login("admin@example.org")
    member_of(OrganisationFactory())
    few = _queries_for(client, count_queries, url)
    for _ in range(8):
        member_of(OrganisationFactory(), roles=[Role.MENTOR, Role.TRAINER])
    assert _queries_for(client, count_queries, url) == few <= 6


def test_member_list_does_not_grow_with_members(client, auth, count_queries):
    organisation = OrganisationFactory()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    auth.login("boss@example.org")
    url = f"/organisations/{organisation.id}/members"
    few = _queries_for(client, count_queries, url)
    for _ in range(8):
        member_of(organisation)
    assert _queries_for(client, count_queries, url) == few <= 10



def _schedule(mentor, programme, sessions: int, first_day: int = 1) -> None:
    from datetime import timedelta

    from learnhub.mentoring import booking
    from learnhub.timeutil import utcnow

    # Afternoons: the programme's mentor offers mornings, whose free times the booking tests choose from
    # (at the hour of the run, a group session could take the time a test books).
    start = utcnow().replace(hour=15, minute=0, second=0, microsecond=0)
    for day in range(first_day, first_day + sessions):
        booking.schedule_group_session(mentor, programme, booking.GroupSessionInput(
            starts_at=start + timedelta(days=day), duration_minutes=60, place="Ruma", online_url="",
            agenda="", capacity=10))
    db.session.commit()  # as the scheduling page does: the invitations are written now, not in the next page


@pytest.fixture
def mentoring(app):
    """A mentor's programme for one organisation of five people, with one group session tomorrow."""
    from tests.factories import ProgrammeFactory

    organisation = OrganisationFactory()
    mentor = UserFactory(email="mentor@example.org", roles=[Role.MENTOR])
    programme = ProgrammeFactory(mentor=mentor, organisation=organisation)
    mentee = member_of(organisation, email="mentee@example.org")
    for _ in range(4):
        member_of(organisation)
    _schedule(mentor, programme, 1)
    return mentor, programme, mentee


@pytest.mark.parametrize("who", ["mentor@example.org", "mentee@example.org"])
def test_mentoring_week_does_not_grow_with_sessions_or_people(client, auth, count_queries, mentoring, who):
    mentor, programme, _mentee = mentoring
    auth.login(who)
    few = _queries_for(client, count_queries, "/mentoring")
    _schedule(mentor, programme, 5, first_day=2)
    assert _queries_for(client, count_queries, "/mentoring") == few <= 6


def test_calendar_feed_does_not_grow_with_sessions(client, count_queries, mentoring):
    from learnhub.mentoring.feeds import feed_token

    mentor, programme, mentee = mentoring
    url = f"/calendar/{feed_token(mentee)}.ics"
    few = _queries_for(client, count_queries, url)
    _schedule(mentor, programme, 5, first_day=2)
    assert _queries_for(client, count_queries, url) == few <= 6


def test_free_times_do_not_grow_with_sessions_or_other_programmes(client, auth, count_queries, mentoring):
    from tests.factories import ProgrammeFactory

    mentor, programme, _mentee = mentoring
    auth.login("mentee@example.org")
    url = f"/mentoring/programmes/{programme.id}/mentors/{mentor.id}/slots"
    few = _queries_for(client, count_queries, url)
    _schedule(mentor, programme, 5, first_day=2)
    other = ProgrammeFactory(organisation=OrganisationFactory())  # another mentor, organisation and member
    member_of(other.organisations[0].organisation)
    # The person, the programme, the mentor with their rules, the mentor's busy times, and the mentee's own
    # sessions with the mentor (months at the monthly limit offer nothing).
    assert _queries_for(client, count_queries, url) == few <= 5


def test_the_booking_steps_and_the_move_calendar_do_not_grow_with_sessions(client, auth, count_queries, mentoring):
    from learnhub.mentoring import availability, booking
    from learnhub.timeutil import utcnow

    mentor, programme, mentee = mentoring
    first, second = availability.programme_mentor_slots(programme, mentor.id, utcnow())[1][:2]
    session = booking.book_slot(mentee, programme.id, mentor.id, first.starts_at, note="Parents")
    db.session.commit()
    auth.login("mentee@example.org")
    base = f"/mentoring/programmes/{programme.id}/mentors/{mentor.id}"
    urls = [f"{base}/book?starts_at={second.starts_at.isoformat()}", f"/mentoring/sessions/{session.id}/move",
            f"/mentoring/sessions/{session.id}/move/confirm?starts_at={second.starts_at.isoformat()}",
            f"/mentoring/sessions/{session.id}"]
    few = [_queries_for(client, count_queries, url) for url in urls]
    _schedule(mentor, programme, 5, first_day=2)
    assert [_queries_for(client, count_queries, url) for url in urls] == few
    assert max(few) <= 14, few


def test_booking_runs_the_same_queries_however_many_sessions_the_mentor_has(client, auth, count_queries, mentoring):
    import re

    mentor, programme, _mentee = mentoring
    auth.login("mentee@example.org")
    booking = f"/mentoring/programmes/{programme.id}/mentors/{mentor.id}"
    page = client.get(f"{booking}/slots").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    first, second = re.findall(r'name="starts_at" value="([^"]+)"', page)[:2]

    def book(starts_at: str) -> int:
        with count_queries() as queries:
            response = client.post(f"{booking}/book", data={"starts_at": starts_at, "csrf_token": token})
        assert response.status_code == 302
        return len(queries)

    few = book(first)
    _schedule(mentor, programme, 5, first_day=2)
    # Their invitations go out first, as the fixture's went out at sign-in: each booking then sends only
    # its own two (mail is sent one message per transaction, so other mail would add statements).
    send_pending()
    # Saying "booked" after the commit reads nothing again: the page's language was settled before it.
    # 14: the booking's own 9, and its two invitations sent after the request, each taken and recorded as
    # sent on its own (2 × 2), then one look that finds no more.
    assert book(second) == few <= 14


@pytest.mark.parametrize("who", ["mentor@example.org", "mentee@example.org"])
def test_programme_page_does_not_grow_with_sessions(client, auth, count_queries, mentoring, who):
    mentor, programme, _mentee = mentoring
    auth.login(who)
    url = f"/mentoring/programmes/{programme.id}"
    few = _queries_for(client, count_queries, url)
    _schedule(mentor, programme, 30, first_day=2)  # more than a page of them
    assert _queries_for(client, count_queries, url) == few <= 9


def test_cohort_certificates_page_does_not_grow_with_participants(client, auth, count_queries):
    from tests.factories import CohortFactory, EnrolmentFactory

    trainer = UserFactory(email="trainer@example.org", roles=[Role.TRAINER])
    cohort = CohortFactory(trainer=trainer, capacity=20)
    EnrolmentFactory(cohort=cohort)
    auth.login("trainer@example.org")
    url = f"/trainer/cohorts/{cohort.id}/certificates"
    few = _queries_for(client, count_queries, url)
    for _ in range(8):
        EnrolmentFactory(cohort=cohort)
    assert _queries_for(client, count_queries, url) == few <= 12


@pytest.mark.parametrize("url", ["/trainer/cohorts", "/trainer/learning-sets"])
def test_trainers_lists_do_not_grow_with_cohorts_or_learning_sets(client, auth, count_queries, url):
    from tests.factories import CohortFactory

    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])  # sees every cohort
    auth.login("admin@example.org")
    CohortFactory()
    few = _queries_for(client, count_queries, url)
    for _ in range(30):  # more than a page of each
        CohortFactory()
    assert _queries_for(client, count_queries, url) == few <= 8


def _csrf(client, url: str) -> str:
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def test_answering_a_group_session_does_not_grow_with_its_participants(client, auth, count_queries, mentoring):
    from learnhub.mail.services import send_pending
    from learnhub.mentoring.models import MentoringSession, SessionParticipant

    _mentor, programme, _mentee = mentoring
    session = db.session.query(MentoringSession).one()
    auth.login("mentee@example.org")
    url = f"/mentoring/sessions/{session.id}/respond"
    token = _csrf(client, f"/mentoring/sessions/{session.id}")
    send_pending()

    def answer(partstat: str) -> int:
        with count_queries() as queries:
            assert client.post(url, data={"partstat": partstat, "csrf_token": token}).status_code == 302
        return len(queries)

    few = answer("ACCEPTED")
    organisation = programme.organisations[0].organisation
    session.participants += [SessionParticipant(user_id=member_of(organisation).id) for _ in range(15)]
    db.session.commit()
    # The person; the session and its answers, read once under its row lock for both the access check and
    # the answer; the answer: 5, and one look for mail to send after the request.
    assert answer("DECLINED") == few <= 6


def test_marking_attendance_by_htmx_does_not_grow_with_the_cohort(client, auth, count_queries):
    from tests.factories import CohortFactory, CohortSessionFactory, EnrolmentFactory

    trainer = UserFactory(email="trainer@example.org", roles=[Role.TRAINER])
    cohort = CohortFactory(trainer=trainer, capacity=40)
    session = CohortSessionFactory(cohort=cohort)
    first = EnrolmentFactory(cohort=cohort)
    db.session.commit()
    auth.login("trainer@example.org")
    url = f"/trainer/cohorts/{cohort.id}/sessions/{session.id}/attendance"

    def mark(enrolment_id: int, present: str) -> int:
        with count_queries() as queries:
            response = client.post(url, data={"enrolment_id": enrolment_id, "present": present},
                                   headers={"HX-Request": "true"})
        assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
        return len(queries)

    few = mark(first.id, "1")
    others = [EnrolmentFactory(cohort=cohort) for _ in range(20)]
    db.session.commit()
    # The person, the cohort, the participant with their mark (one read), the mark written, the audit entry
    # and the row shown: 6, and one look for mail to send after the request.
    assert mark(others[-1].id, "1") == mark(first.id, "0") == few <= 7


def test_certificate_pdf_and_personal_data_do_not_grow_with_the_holders_records(client, auth, count_queries):
    from tests.factories import EnrolmentFactory, certificate_for

    holder = UserFactory(email="holder@example.org")
    certificate = certificate_for(EnrolmentFactory(user=holder))
    db.session.commit()
    auth.login("holder@example.org")
    token = _csrf(client, "/account/privacy")

    def counted() -> tuple[int, int]:
        with count_queries() as pdf:
            assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 200
        with count_queries() as export:
            assert client.post("/account/personal-data", data={"csrf_token": token}).status_code == 200
        return len(pdf), len(export)

    few = counted()
    for _ in range(5):
        certificate_for(EnrolmentFactory(user=holder))
    db.session.commit()
    assert counted() == few and few[0] <= 11 and few[1] <= 23


def test_an_unchanged_feed_of_a_long_history_is_answered_with_the_same_queries(client, count_queries, mentoring):
    from learnhub.mentoring.feeds import feed_token

    mentor, programme, mentee = mentoring
    url = f"/calendar/{feed_token(mentee)}.ics"
    etag = client.get(url).headers["ETag"]
    with count_queries() as few:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    _schedule(mentor, programme, 12, first_day=2)
    etag = client.get(url).headers["ETag"]
    with count_queries() as many:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert len(many) == len(few) <= 6


def test_signing_in_reads_the_person_once(client, count_queries):
    """The welcome is worded before the commit: the person and their roles are not loaded a second time."""
    from tests.factories import PASSWORD

    UserFactory(email="nikola@example.org", display_name="Nikola Jovanović")
    db.session.commit()
    with count_queries() as queries:
        response = client.post("/auth/login", data={"email": "nikola@example.org", "password": PASSWORD})
    assert response.status_code == 302
    # The person and their roles; the audit entry, the login session and the time of this login; then the
    # look for queued mail that tests (not production) send after each request.
    assert len(queries) == 6, [str(query) for query in queries]
    assert "Welcome back, Nikola Jovanović." in client.get("/dashboard").get_data(as_text=True)
