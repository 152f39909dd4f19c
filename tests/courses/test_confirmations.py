"""Destructive actions ask first and name what they cost; without JavaScript the server asks on a page
that sends the same form again, confirmed."""

import re

from learnhub.courses.models import Attendance, EnrolmentStatus
from learnhub.extensions import db
from learnhub.people.models import Role
from tests.factories import (
    PASSWORD,
    CohortFactory,
    CohortSessionFactory,
    EnrolmentFactory,
    UserFactory,
    certificate_for,
)


def _login(client, user) -> None:
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})


def test_withdrawing_asks_first_and_names_the_consequence(client):
    enrolment = EnrolmentFactory(cohort=CohortFactory(name="Ruma, spring"))
    _login(client, enrolment.user)
    page = client.get(f"/cohorts/{enrolment.cohort_id}").get_data(as_text=True)
    assert 'data-confirm' in page and "<dialog" in page and "Withdraw from Ruma, spring?" in page
    asked = client.post(f"/enrolments/{enrolment.id}/withdraw", data={"reason": "Moving away"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "The place goes to the next person waiting." in page
    assert 'name="reason" value="Moving away"' in page and 'name="confirmed" value="1"' in page
    assert enrolment.status == EnrolmentStatus.ENROLLED
    done = client.post(f"/enrolments/{enrolment.id}/withdraw", data={"reason": "Moving away", "confirmed": "1"})
    assert done.status_code == 302 and enrolment.status == EnrolmentStatus.WITHDRAWN


def test_revoking_asks_first_once_the_note_is_written(client):
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    certificate = certificate_for(EnrolmentFactory())
    _login(client, admin)
    asked = client.post(f"/certificates/{certificate.id}/revoke", data={"note": "Fraud", "public_reason": ""})
    assert asked.status_code == 200 and "Revoke this certificate?" in asked.get_data(as_text=True)
    assert certificate.revoked_at is None
    client.post(f"/certificates/{certificate.id}/revoke", data={"note": "Fraud", "confirmed": "1"})
    assert certificate.revoked_at is not None


def test_marking_everyone_absent_asks_first_but_one_person_and_everyone_present_do_not(client):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(trainer=trainer)
    session, enrolment = CohortSessionFactory(cohort=cohort), EnrolmentFactory(cohort=cohort)
    _login(client, trainer)
    url = f"/trainer/cohorts/{cohort.id}/sessions/{session.id}/attendance"
    asked = client.post(url, data={"present": "0"})
    assert asked.status_code == 200 and "Mark everyone absent?" in asked.get_data(as_text=True)
    assert db.session.query(Attendance).count() == 0
    assert client.post(url, data={"present": "1"}).status_code == 302
    assert client.post(url, data={"present": "0", "enrolment_id": enrolment.id}).status_code == 302
    assert client.post(url, data={"present": "0", "confirmed": "1"}).status_code == 302
    assert [a.is_present for a in db.session.query(Attendance)] == [False]


def test_a_new_calendar_address_asks_first(client):
    person = UserFactory()
    _login(client, person)
    def address() -> str:
        return re.search(r'id="feed-url"[^>]*value="([^"]+)"', client.get("/account/calendar").get_data(as_text=True))[1]

    old = address()
    asked = client.post("/account/calendar", data={})
    assert asked.status_code == 200 and "Make a new calendar address?" in asked.get_data(as_text=True)
    assert address() == old
    assert client.post("/account/calendar", data={"confirmed": "1"}).status_code == 302
    assert address() != old
