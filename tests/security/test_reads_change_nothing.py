"""Reading never writes: every GET route in the access matrix, for every role, leaves every table's
rows exactly as they were (compared row by row, not only counted)."""

import hashlib

import pytest
from sqlalchemy import select

from learnhub.extensions import db, limiter
from tests.access_matrix import MATRIX, ROLES
from tests.access_world import build_world
from tests.conftest import reset_app
from tests.factories import PASSWORD

READS = [(endpoint, role) for (endpoint, method) in MATRIX if method == "GET" for role in ROLES]

# Tables a GET request may legitimately write, and why. None today: signing in (a POST) opens the
# login session row and writes the audit entry before the snapshot; loading the user on later
# requests only reads it (auth/services.py user_for_session_token keeps no last-seen time), and a
# calendar feed has no row until its first rotation (mentoring/feeds.py _feed_version).
MAY_CHANGE_ON_GET: dict[str, str] = {}


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row's values, per table."""
    fingerprints = {}
    for table in db.metadata.sorted_tables:
        if table.name in MAY_CHANGE_ON_GET:
            continue
        rows = sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
        fingerprints[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return fingerprints


@pytest.fixture(scope="module")
def world(shared_app, smtp_sink):
    """One world and one signed-in client per role for the whole module: GETs must not change them."""
    with shared_app.app_context():
        _emails, ids = build_world()
        db.session.commit()
        clients = {}
        for role, email in {"anonymous": None, **_emails}.items():
            limiter.reset()
            clients[role] = shared_app.test_client()
            if email:
                response = clients[role].post("/auth/login", data={"email": email, "password": PASSWORD})
                assert response.status_code == 302
    yield shared_app, clients, ids
    reset_app(shared_app, smtp_sink)


@pytest.mark.parametrize("endpoint, role", READS)
def test_a_get_request_changes_no_row(world, endpoint, role):
    app, clients, ids = world
    url = MATRIX[(endpoint, "GET")][0].format(**ids)
    with app.app_context():
        client = clients[role]
        before = table_fingerprints()
        client.get(url)
        db.session.rollback()  # read afresh what the request committed
        after = table_fingerprints()
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == [], f"GET {url} as {role} changed rows in {changed}"
