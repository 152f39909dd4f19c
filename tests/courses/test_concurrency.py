"""Capacity holds under real parallel requests on PostgreSQL (SQLite serialises writers anyway)."""

import threading

import pytest
from sqlalchemy import func, select

from learnhub.courses.models import Cohort, Enrolment, EnrolmentStatus
from learnhub.extensions import db
from tests.factories import PASSWORD, CohortFactory, UserFactory


@pytest.fixture
def app(make_app):
    app = make_app(LOGIN_RATE_LIMIT="1000 per minute")
    with app.app_context():
        yield app


def test_forty_parallel_enrolments_fill_ten_places_exactly(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite runs one writer at a time")
    cohort = CohortFactory(capacity=10)
    users = [UserFactory() for _ in range(40)]
    clients = []
    for user in users:
        client = app.test_client()
        assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        clients.append(client)

    url = f"/cohorts/{cohort.id}/enrol"
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def enrol(client):
        start.wait()
        statuses.append(client.post(url).status_code)

    threads = [threading.Thread(target=enrol, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 40
    db.session.expire_all()
    counts = dict(db.session.execute(select(Enrolment.status, func.count()).group_by(Enrolment.status)).all())
    assert counts == {EnrolmentStatus.ENROLLED.value: 10, EnrolmentStatus.WAITLISTED.value: 30}
    assert db.session.get(Cohort, cohort.id).seats_taken == 10


def test_parallel_double_submit_of_the_same_person_enrols_once(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite runs one writer at a time")
    cohort = CohortFactory(capacity=5)
    user = UserFactory()
    client = app.test_client()
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    cookie = client.get_cookie("session").value
    url = f"/cohorts/{cohort.id}/enrol"
    start = threading.Barrier(8)
    statuses: list[int] = []

    def enrol():
        twin = app.test_client()
        twin.set_cookie("session", cookie)
        start.wait()
        statuses.append(twin.post(url).status_code)

    threads = [threading.Thread(target=enrol) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [409] * 7
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).seats_taken == 1
