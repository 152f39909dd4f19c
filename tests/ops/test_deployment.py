"""Several app instances behind a reverse proxy: gunicorn settings, client address and scheme from the
proxy, rate limits in a shared store, long-cached static files and uncached pages."""

import functools
import hashlib
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from flask import request

from learnhub import config as learnhub_config
from learnhub import create_app
from learnhub.certification.keys import generate_key
from learnhub.extensions import limiter
from tests.ops.conftest import closed_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"
WRONG_LOGIN = {"email": "nobody@example.org", "password": "wrong password!"}


# --- gunicorn ----------------------------------------------------------------------------------------

def test_gunicorn_runs_two_workers_per_core_plus_one_without_an_access_log(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(GUNICORN_CONF))
    assert settings["workers"] == 2 * os.cpu_count() + 1
    assert settings["wsgi_app"] == "learnhub:create_app(migrations=False)"
    assert settings["accesslog"] is None  # the app logs one line per request itself
    assert 0 < settings["timeout"] <= 60 and settings["graceful_timeout"] > 0


def test_gunicorn_workers_do_not_load_alembic_and_the_command_line_still_migrates(database_url):
    """Alembic weighs some 11 MB in each process: the workers' app leaves it out, `flask db` keeps it."""
    script = ("import sys; from learnhub import create_app; app = create_app(migrations=False); "
              "print('alembic' in sys.modules, 'migrate' in app.extensions, 'migrate' in create_app().extensions)")
    env = {**os.environ, "DATABASE_URL": database_url, "LEARNHUB_ENV": "development"}
    output = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, check=True).stdout.split()
    assert output == ["False", "False", "True"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_app_serves_under_gunicorn_with_the_config_file(database_url):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "LEARNHUB_ENV": "development"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "-b", f"127.0.0.1:{port}", "-w", "2"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _headers, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert (status, body) == (200, b'{"database":"ok","status":"ok"}\n')
        status, headers, _body = _get(f"http://127.0.0.1:{port}/static/app.css")
        assert status == 200 and "max-age=31536000" in headers["Cache-Control"]
    finally:
        server.send_signal(signal.SIGTERM)  # graceful stop: requests finish, workers exit
        output, _ = server.communicate(timeout=40)
    assert server.returncode == 0, output
    assert '"GET /healthz HTTP/1.1" 200' not in output  # no gunicorn access-log line


# --- static files and pages --------------------------------------------------------------------------

def test_static_files_are_cached_for_a_year_under_a_content_versioned_url(client):
    page = client.get("/auth/login").get_data(as_text=True)
    css = (PROJECT_ROOT / "learnhub" / "static" / "app.css").read_bytes()
    version = hashlib.sha256(css).hexdigest()[:12]
    assert f'href="/static/app.css?v={version}"' in page
    assert re.search(r'src="/static/htmx\.min\.js\?v=[0-9a-f]{12}"', page)
    with client.get(f"/static/app.css?v={version}") as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.public


@pytest.mark.parametrize("path", ["/auth/login", "/catalogue", "/healthz", "/no-such-page"])
def test_pages_are_never_cached(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


# --- behind a reverse proxy --------------------------------------------------------------------------

def _where_from(app) -> None:
    app.add_url_rule("/test/where-from", "where_from", lambda: f"{request.remote_addr} {request.scheme}")


def test_behind_a_proxy_the_client_address_and_scheme_come_from_its_headers(make_app):
    app = make_app(TRUSTED_PROXY_COUNT=1)
    _where_from(app)
    response = app.test_client().get("/test/where-from", environ_base={"REMOTE_ADDR": "10.0.0.2"},
                                     headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == "198.51.100.7 https"


def test_a_client_cannot_spoof_its_address_past_the_trusted_proxy(make_app):
    app = make_app(TRUSTED_PROXY_COUNT=1)
    _where_from(app)
    # The client sent its own X-Forwarded-For; the proxy appended the address it really saw.
    response = app.test_client().get("/test/where-from", environ_base={"REMOTE_ADDR": "10.0.0.2"},
                                     headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.7"})
    assert response.get_data(as_text=True) == "198.51.100.7 http"


def test_without_a_proxy_forwarded_headers_are_ignored(make_app):
    app = make_app()
    _where_from(app)
    response = app.test_client().get("/test/where-from", environ_base={"REMOTE_ADDR": "192.0.2.1"},
                                     headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == "192.0.2.1 http"


def test_rate_limits_count_each_client_behind_the_proxy(make_app):
    app = make_app(TRUSTED_PROXY_COUNT=1, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()

    def attempt(address: str) -> int:
        return client.post("/auth/login", data=WRONG_LOGIN, environ_base={"REMOTE_ADDR": "10.0.0.2"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("198.51.100.7") for _ in range(3)] == [400, 400, 429]
    assert attempt("198.51.100.8") == 400  # another person behind the same proxy is not locked out


# --- rate limits shared by several instances -----------------------------------------------------------

@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    connection = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs Redis at {url} (set TEST_REDIS_URL)")
    yield url
    # The limiter is one object per process, bound to the last app built: give it its memory store back,
    # and forget an outage seen by the fallback test (flask-limiter keeps that across init_app).
    create_app(learnhub_config.TestConfig())
    limiter._storage_dead = False
    if getattr(limiter, "_fallback_storage", None) is not None:
        limiter._fallback_storage.reset()
    for key in connection.scan_iter("LIMITS:*"):
        connection.delete(key)
    connection.close()


def _login_attempts(app, address: str, count: int) -> list[int]:
    client = app.test_client()
    return [client.post("/auth/login", data=WRONG_LOGIN, environ_base={"REMOTE_ADDR": address}).status_code
            for _ in range(count)]


@pytest.mark.parametrize("storage, third_attempt", [("redis", 429), ("memory://", 400)])
def test_several_instances_share_one_limit_only_in_a_shared_store(make_app, redis_url, storage, third_attempt):
    """Each new app re-creates the limiter's connection to its store, as a separate process would: the
    count survives only in Redis (in memory each instance counts for itself)."""
    settings = {"RATELIMIT_STORAGE_URI": redis_url if storage == "redis" else storage,
                "LOGIN_RATE_LIMIT": "2 per minute"}
    address = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    first = make_app(**settings)
    assert _login_attempts(first, address, 2) == [400, 400]
    second = make_app(**settings)
    assert _login_attempts(second, address, 1) == [third_attempt]


def test_limits_still_apply_in_memory_when_the_shared_store_is_down(make_app, redis_url):
    app = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port()}/0",
                   RATELIMIT_STORAGE_OPTIONS=learnhub_config.ratelimit_storage_options("redis://"),
                   LOGIN_RATE_LIMIT="2 per minute")
    assert _login_attempts(app, "203.0.113.250", 3) == [400, 400, 429]


def test_redis_storage_times_out_fast():
    assert learnhub_config.ratelimit_storage_options("redis://cache:6379/0")["socket_timeout"] <= 2
    assert learnhub_config.ratelimit_storage_options("memory://") == {}


# --- rate limits in production: one count for the whole installation ----------------------------------

PRODUCTION = {"LEARNHUB_ENV": "production", "SECRET_KEY": "a-long-random-production-secret"}


@functools.cache
def _production_keys() -> str:
    """A certificate signing key as production needs one (mode 0600), made once for the module."""
    directory = Path(tempfile.mkdtemp(prefix="learnhub-production-keys-"))
    generate_key(directory)
    return str(directory)


def _start_gunicorn(database_url: str, port: int, workers: int, **settings: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, **PRODUCTION, "CREDENTIAL_KEYS_DIR": _production_keys(),
           **settings}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "-b", f"127.0.0.1:{port}", "-w", str(workers)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_until_serving(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            _get(f"http://127.0.0.1:{port}/healthz")
            return
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)


def _stop(server: subprocess.Popen) -> str:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
    try:
        output, _ = server.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        server.kill()
        output, _ = server.communicate()
    return output


def test_production_refuses_to_start_with_rate_limits_counted_by_each_worker(database_url):
    server = _start_gunicorn(database_url, _free_port(), workers=2, RATELIMIT_STORAGE_URI="memory://")
    try:
        server.wait(timeout=30)  # gunicorn gives up when its workers cannot boot
    except subprocess.TimeoutExpired:
        pass
    output = _stop(server)
    assert server.returncode != 0, output
    assert "RATELIMIT_STORAGE_URI" in output


def test_limits_hold_for_the_whole_installation_across_gunicorn_workers(database_url, redis_url):
    """Three workers, 45 look-ups at once from one address: 30 a minute are answered, whichever worker
    takes them."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    port = _free_port()
    server = _start_gunicorn(database_url, port, workers=3, RATELIMIT_STORAGE_URI=redis_url,
                             RATELIMIT_KEY_PREFIX=prefix, VERIFY_RATE_LIMIT="30 per minute")
    try:
        _wait_until_serving(server, port)
        with ThreadPoolExecutor(max_workers=9) as pool:
            statuses = list(pool.map(lambda _: _get(f"http://127.0.0.1:{port}/verify/NO-SUCH-CODE.json")[0],
                                     range(45)))
    finally:
        output = _stop(server)
        connection = redis.Redis.from_url(redis_url)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
        connection.close()
    assert Counter(statuses) == {404: 30, 429: 15}, output


def test_a_shared_store_that_is_down_is_logged_once_and_limits_still_apply(database_url):
    port = _free_port()
    server = _start_gunicorn(database_url, port, workers=1, VERIFY_RATE_LIMIT="2 per minute",
                             RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port()}/0")
    try:
        _wait_until_serving(server, port)
        statuses = [_get(f"http://127.0.0.1:{port}/verify/NO-SUCH-CODE.json")[0] for _ in range(5)]
    finally:
        output = _stop(server)
    assert statuses == [404, 404, 429, 429, 429]  # counted in the worker's memory meanwhile
    assert output.count("Rate limit storage unreachable") == 1, output
