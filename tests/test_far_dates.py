"""One date-range rule for every date a person types, and pages and calendars that never fail on a
stored date however far off it is."""

from datetime import datetime

import pytest

from learnhub.extensions import db
from tests.factories import CohortFactory, CohortSessionFactory, EnrolmentFactory, UserFactory


def _sign_in(client, **user):
    person = UserFactory(**user)
    client.post("/auth/login", data={"email": person.email, "password": "correct horse battery staple"})
    return person


@pytest.fixture
def far_cohort(app):
    cohort = CohortFactory(name="Kohorta daleko")
    CohortSessionFactory(cohort=cohort, starts_at=datetime(9999, 12, 31, 22), ends_at=datetime(9999, 12, 31, 23, 59))
    CohortSessionFactory(cohort=cohort, starts_at=datetime(1, 1, 1, 0, 30), ends_at=datetime(1, 1, 1, 1))
    db.session.commit()
    return cohort


def test_a_cohort_calendar_with_a_far_future_session_still_answers(client, far_cohort):
    response = client.get(f"/cohorts/{far_cohort.id}/sessions.ics")
    assert response.status_code == 200 and b"BEGIN:VCALENDAR" in response.data


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Belgrade"])
def test_a_cohort_page_with_far_dates_renders_in_any_time_zone(client, far_cohort, zone):
    person = _sign_in(client, time_zone=zone)
    EnrolmentFactory(cohort=far_cohort, user=person)
    db.session.commit()
    response = client.get(f"/cohorts/{far_cohort.id}")
    assert response.status_code == 200 and "Kohorta daleko" in response.get_data(as_text=True)


def test_the_trainers_session_form_refuses_a_far_future_date_at_the_field_and_keeps_it(client):
    trainer = _sign_in(client, roles=["trainer"])
    cohort = CohortFactory(trainer=trainer)
    response = client.post(f"/trainer/cohorts/{cohort.id}/sessions", data={
        "starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:00", "place": "Sala"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please enter a date between" in page and 'value="9999-12-31T22:00"' in page
    assert cohort.sessions == []


def test_the_cohort_form_refuses_a_year_nobody_means(client):
    from tests.factories import VersionFactory

    _sign_in(client, roles=["trainer"])
    version = VersionFactory()
    response = client.post(f"/trainer/versions/{version.id}/cohorts/new", data={
        "name": "Ruma", "language": "sr_Latn", "is_online": "y", "starts_on": "0001-01-01", "ends_on": "9999-12-31",
        "capacity": "12", "enrolment_opens_at": "2027-01-01T08:00", "enrolment_closes_at": "2027-03-20T16:00",
        "approver": "none", "promotion_policy": "first_come"})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count("Please enter a date between") == 2
