"""A database restart makes a request fail cleanly (a translated 503, not a traceback), and the next
request after it succeeds. Simulated without stopping the shared server: the app's connections are
killed with pg_terminate_backend, or the app points at a port where nothing listens."""

import uuid

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

from learnhub import config
from learnhub.extensions import db
from tests.factories import CohortFactory, UserFactory
from tests.ops.conftest import server_url, unreachable_database_app

UNAVAILABLE = "LearnHub is briefly unavailable. Please try again in a minute."


def test_postgresql_connections_are_checked_before_use():
    options = config.TestConfig("postgresql://u@db.example.org/learnhub").SQLALCHEMY_ENGINE_OPTIONS
    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["connect_timeout"] > 0
    assert config.TestConfig("sqlite://").SQLALCHEMY_ENGINE_OPTIONS == {}


@pytest.fixture
def named_app(make_app, database_url):
    """An app whose connections carry a unique application_name, so only they can be terminated."""
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating backends is a PostgreSQL test")
    name = f"learnhub-test-{uuid.uuid4().hex[:8]}"

    def build(**overrides):
        url = make_url(config.TestConfig(database_url).SQLALCHEMY_DATABASE_URI).update_query_dict({"application_name": name})
        return make_app(SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False), **overrides)

    def terminate() -> int:
        with psycopg.connect(make_conninfo(server_url()), autocommit=True) as admin:
            return len(admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE application_name = %s", (name,)).fetchall())

    return build, terminate


def _signed_in_client(app):
    """A client signed in to `app`, and the address of a cohort page."""
    with app.app_context():
        UserFactory(email="ana@example.org")
        cohort_page = f"/cohorts/{CohortFactory(name='Kohorta Ruma').id}"
        db.session.commit()
        client = app.test_client()
        assert client.post("/auth/login", data={"email": "ana@example.org",
                                                "password": "correct horse battery staple"}).status_code == 302
    return client, cohort_page


def test_the_next_request_after_a_restart_succeeds(named_app):
    build, terminate = named_app
    app = build()
    client, cohort_page = _signed_in_client(app)
    assert client.get("/catalogue").status_code == 200
    assert terminate() >= 1  # what a restart does to every pooled connection
    response = client.get(cohort_page)  # the pool notices the dead connection, opens a new one
    assert response.status_code == 200
    assert "Kohorta Ruma" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200  # still signed in


def test_without_checks_a_request_fails_cleanly_and_the_next_succeeds(named_app):
    """Even when a dead connection is handed out (pre-ping off), the visitor sees a clean 503 once."""
    build, terminate = named_app
    app = build(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1})
    client, _cohort_page = _signed_in_client(app)
    assert client.get("/catalogue").status_code == 200
    assert terminate() >= 1
    failed = client.get("/catalogue")
    assert failed.status_code == 503
    assert UNAVAILABLE in failed.get_data(as_text=True)
    assert client.get("/catalogue").status_code == 200


@pytest.fixture
def down_client():
    app = unreachable_database_app()
    yield app.test_client()  # no app context held open: each request gets its own, as in production
    with app.app_context():
        db.engine.dispose()


def test_a_page_during_an_outage_is_a_clean_503(down_client):
    response = down_client.get("/catalogue")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert UNAVAILABLE in page and "<html" in page and "Traceback" not in page
    assert response.headers["Retry-After"] == "30"


def test_a_signed_in_visitor_gets_the_503_page_too(make_app, down_client):
    """The user is loaded from the database on each request: that failure must not become a 500."""
    working = make_app()
    client, _cohort_page = _signed_in_client(working)
    down_client.set_cookie("session", client.get_cookie("session").value)
    response = down_client.get("/dashboard")
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)


@pytest.mark.parametrize("path, headers, expected", [
    ("/catalogue", {"HX-Request": "true"}, "<p"),  # htmx gets a fragment to swap in
    ("/verify/" + "A" * 32 + ".json", {}, '{"error"'),
])
def test_htmx_and_json_requests_get_their_own_503(down_client, path, headers, expected):
    response = down_client.get(path, headers=headers)
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(expected) and "<html" not in body


def test_a_form_posted_during_an_outage_is_a_503_not_a_500(down_client):
    # After the view fails, sending queued mail (MAIL_SEND_AFTER_REQUEST) must not fail the response again.
    response = down_client.post("/auth/login", data={"email": "ana@example.org", "password": "x" * 12})
    assert response.status_code == 503


def test_readiness_check_reports_the_outage(down_client):
    response = down_client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unavailable"}


def test_readiness_check_answers_503_during_an_outage_whatever_cookies_arrive(make_app, down_client):
    """The request log asks who is signed in, which loads the user: during an outage that must not make
    /healthz a bare 500."""
    working = make_app()
    client, _cohort_page = _signed_in_client(working)
    down_client.set_cookie("session", client.get_cookie("session").value)
    response = down_client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unavailable"}
