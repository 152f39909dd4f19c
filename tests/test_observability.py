import json
import logging

import pytest

from learnhub.auth.passwords import _argon2
from learnhub.observability import logger
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def request_log(caplog):
    """The JSON objects logged by `learnhub.request`, in order (the logger does not propagate)."""
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger=logger.name)
    yield lambda: [json.loads(record.getMessage()) for record in caplog.records if record.name == logger.name]
    logger.removeHandler(caplog.handler)


@pytest.mark.parametrize("setting", ["BENCH_MODE", "DEBUG"])
def test_bench_and_debug_mode_count_queries_in_a_header(make_app, setting):
    app = make_app(**{setting: True})
    with app.app_context():
        assert app.test_client().get("/healthz").headers["X-Query-Count"] == "1"


def test_bench_mode_adds_a_hello_route_that_runs_no_query(make_app):
    app = make_app(BENCH_MODE=True)
    with app.app_context():
        response = app.test_client().get("/bench/hello")
    assert response.data == b"Hello" and response.headers["X-Query-Count"] == "0"


def test_bench_mode_adds_a_route_that_only_checks_a_password_against_a_hash(make_app):
    app = make_app(BENCH_MODE=True)
    with app.app_context():
        stored = _argon2.hash("a long bench password")
        client = app.test_client()
        right = client.post("/bench/argon2", data={"hash": stored, "password": "a long bench password"})
        wrong = client.post("/bench/argon2", data={"hash": stored, "password": "another password"})
    assert (right.status_code, wrong.status_code) == (200, 403)


def test_query_count_and_bench_routes_stay_hidden_outside_bench_and_debug(client):
    assert "X-Query-Count" not in client.get("/healthz").headers
    assert client.get("/bench/hello").status_code == 404
    assert client.post("/bench/argon2", data={"hash": "", "password": ""}).status_code == 404


def test_every_response_has_a_request_id(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32 and generated != client.get("/healthz").headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "proxy-42.a_b"}).headers["X-Request-ID"] == "proxy-42.a_b"


@pytest.mark.parametrize("incoming", ["", "a" * 65, "evil id", 'x"}{"admin":1', "ćao"])
def test_a_strange_incoming_request_id_is_replaced(client, incoming):
    assert client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] != incoming


def test_one_json_line_per_request_with_user_status_duration_and_queries(client, auth, request_log):
    user = UserFactory(email="mira@example.org")
    auth.login("mira@example.org")
    response = client.get("/dashboard", headers={"X-Request-ID": "trace-1"})
    line = request_log()[-1]
    assert line == {"request_id": "trace-1", "method": "GET", "path": "/dashboard", "user_id": user.id,
                    "status": 200, "duration_ms": line["duration_ms"], "queries": line["queries"]}
    assert response.status_code == 200 and line["duration_ms"] > 0 and line["queries"] >= 1


def test_anonymous_requests_log_no_user(client, request_log):
    client.get("/catalogue")
    assert request_log()[-1]["user_id"] is None


def test_refusals_before_the_view_are_logged_too(make_app, request_log):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        response = app.test_client().post("/auth/login", data={"email": "mira@example.org"})
    assert response.status_code == 400
    assert request_log()[-1]["status"] == 400


def test_no_password_cookie_query_string_or_url_token_in_the_log(client, request_log, caplog):
    UserFactory(email="mira@example.org")
    client.post("/auth/login", data={"email": "mira@example.org", "password": PASSWORD})
    client.get("/dashboard?token=secret-in-query")
    client.get("/calendar/7-secret-in-path.ics")
    client.get("/verify/SECRETCODE0123456789ABCD.json")
    lines = request_log()
    assert [line["path"] for line in lines] == ["/auth/login", "/dashboard", "/calendar/<token>.ics",
                                                "/verify/<code>.json"]
    cookie = client.get_cookie("session").value
    for secret in (PASSWORD, "secret-in-query", "secret-in-path", "SECRETCODE", cookie):
        assert secret not in caplog.text
