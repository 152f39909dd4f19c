"""Every read-only (GET) route × every role, against one world built once per database: GET
requests must not change it (checked), so the cases need no fresh data."""

import pytest

from learnhub.extensions import db, limiter
from tests.access_matrix import MATRIX, ROLES
from tests.access_world import build_world, check_case
from tests.conftest import reset_app

CASES = [(endpoint, method, role) for (endpoint, method) in MATRIX if method == "GET" for role in ROLES]


@pytest.fixture(scope="module")
def world(shared_app, smtp_sink):
    with shared_app.app_context():
        emails, ids = build_world()
        db.session.commit()
    yield shared_app, emails, ids
    reset_app(shared_app, smtp_sink)


@pytest.mark.parametrize("endpoint, method, role", CASES)
def test_read_route_answers_each_role_as_declared(world, endpoint, method, role):
    app, emails, ids = world
    limiter.reset()  # every case logs in afresh
    with app.app_context():
        check_case(app.test_client(), emails, ids, endpoint, method, role)
