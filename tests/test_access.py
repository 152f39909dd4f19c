"""Every state-changing route × every role × organisation A's ids, as declared in tests/access_matrix.py.
Read-only routes are checked in tests/test_access_reads.py against one shared world."""

import pytest

from learnhub.extensions import db
from tests.access_matrix import MATRIX, ROLES
from tests.access_world import build_world, check_case

CASES = [(endpoint, method, role) for (endpoint, method) in MATRIX if method != "GET" for role in ROLES]


def test_every_route_is_in_the_matrix(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(MATRIX)


@pytest.mark.parametrize("endpoint, method, role", CASES)
def test_route_answers_each_role_as_declared(client, endpoint, method, role):
    emails, ids = build_world()
    db.session.commit()
    check_case(client, emails, ids, endpoint, method, role)
