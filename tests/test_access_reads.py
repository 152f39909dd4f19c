"""Every read-only (GET) route × every role, against one world built once per database: GET
requests must not change it (checked), so the cases need no fresh data."""

import pytest

from learnhub.extensions import limiter
from tests.access_matrix import MATRIX, ROLES
from tests.access_world import check_case

CASES = [(endpoint, method, role) for (endpoint, method) in MATRIX if method == "GET" for role in ROLES]


@pytest.mark.parametrize("endpoint, method, role", CASES)
def test_read_route_answers_each_role_as_declared(access_world, endpoint, method, role):
    app, emails, ids = access_world
    limiter.reset()  # every case logs in afresh
    with app.app_context():
        check_case(app.test_client(), emails, ids, endpoint, method, role)
