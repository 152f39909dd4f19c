import re
from pathlib import Path

import pytest

from learnhub import config as learnhub_config
from learnhub import create_app
from learnhub.certification.keys import generate_key
from learnhub.config import Config, sqlalchemy_url
from learnhub.extensions import db
from tests.factories import UserFactory
from tests.i18n import translated


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


SHARED_RATE_LIMITS = "redis://127.0.0.1:6379/5"  # never connected to by these tests


@pytest.fixture(scope="module")
def production_keys(tmp_path_factory) -> Path:
    """A certificate signing key kept as production needs it (mode 0600, in a directory of its own)."""
    directory = tmp_path_factory.mktemp("keys")
    generate_key(directory)
    return directory


@pytest.fixture
def production(production_keys):
    """Production settings with a real secret key, rate limits in a shared store and a signing key; the
    limiter (one object per process) gets the test settings back afterwards."""

    class Production(Config):
        ENV_NAME = "production"
        SECRET_KEY = "a-long-random-production-secret"
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        RATELIMIT_STORAGE_URI = SHARED_RATE_LIMITS
        CREDENTIAL_KEYS_DIR = str(production_keys)

    yield Production
    create_app(learnhub_config.TestConfig())


def test_production_refuses_the_default_secret_key(production):
    production.SECRET_KEY = Config.SECRET_KEY
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(production())


def test_production_starts_with_a_real_secret_key(production):
    assert create_app(production()).config["ENV_NAME"] == "production"


def test_production_refuses_rate_limits_counted_by_each_process(production):
    """With memory:// every gunicorn worker counts alone, so the installation allows the limit once per worker."""
    production.RATELIMIT_STORAGE_URI = "memory://"
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app(production())


def test_production_refuses_to_start_without_a_signing_key_directory(production, tmp_path):
    production.CREDENTIAL_KEYS_DIR = str(tmp_path / "missing")
    with pytest.raises(RuntimeError, match="CREDENTIAL_KEYS_DIR"):
        create_app(production())
    assert not (tmp_path / "missing").exists()  # production never makes a key of its own


def test_production_refuses_to_start_with_no_signing_key(production, tmp_path):
    production.CREDENTIAL_KEYS_DIR = str(tmp_path)
    with pytest.raises(RuntimeError, match="keygen"):
        create_app(production())


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_production_refuses_a_signing_key_others_can_read(production, tmp_path, mode):
    key = generate_key(tmp_path)
    key.path.chmod(mode)
    production.CREDENTIAL_KEYS_DIR = str(tmp_path)
    with pytest.raises(RuntimeError, match="chmod 600"):
        create_app(production())


def test_plain_postgresql_urls_use_psycopg3():
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("sqlite:///x.db") == "sqlite:///x.db"


def test_config_reads_the_environment(monkeypatch):
    monkeypatch.setenv("LEARNHUB_TIMEZONE", "Europe/Sarajevo")
    monkeypatch.setenv("BASE_URL", "https://learn.example.org/")
    import importlib

    import learnhub.config as config_module

    reloaded = importlib.reload(config_module)
    try:
        assert reloaded.Config.LEARNHUB_TIMEZONE == "Europe/Sarajevo"
        assert reloaded.Config.BASE_URL == "https://learn.example.org"
    finally:
        monkeypatch.undo()
        importlib.reload(config_module)


def test_security_headers_on_every_page(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_secure_and_httponly_in_production(production):
    response = create_app(production()).test_client().get("/auth/login")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unknown_page_is_a_translated_404(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "sr-Latn"})
    assert response.status_code == 404
    assert translated("sr_Latn", "We could not find that page.") in response.get_data(as_text=True)


def test_a_reference_the_database_refuses_is_a_409_that_saves_nothing(make_app, caplog):
    """The last guard behind the services' own checks (say, a row removed between the form and the save),
    on SQLite as on PostgreSQL: SQLite enforces foreign keys too."""
    from sqlalchemy import func, select

    from learnhub.people.models import Municipality, Organisation

    app = make_app()

    def save_a_dangling_reference():
        db.session.add(Municipality(name="Nova", country="RS"))
        db.session.add(Organisation(name="Nowhere", municipality_id=2147483647))
        db.session.flush()
        return "saved"

    app.add_url_rule("/test/dangling", view_func=save_a_dangling_reference, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/test/dangling", headers={"Accept-Language": "sr-Latn"})
    assert response.status_code == 409
    assert "foreign key" in caplog.text.lower() and "2147483647" not in caplog.text  # which rule, not the values
    with app.app_context():
        assert translated("sr_Latn", "That could not be done because something changed in the meantime.") in \
            response.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(Municipality).where(Municipality.name == "Nova")) == 0


def test_static_htmx_is_served_locally(client):
    with client.get("/static/htmx.min.js") as response:
        assert response.status_code == 200
        assert b"htmx" in response.data[:200]


def test_the_menu_marks_the_page_shown(client, auth):
    user = UserFactory()
    db.session.commit()
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', client.get("/auth/login").get_data(as_text=True)) \
        == ["/auth/login"]
    auth.login(user.email)
    for path in ("/dashboard", "/catalogue", "/account"):
        page = client.get(path).get_data(as_text=True)
        assert re.findall(r'<a href="([^"]+)" aria-current="page">', page) == [path]
    assert "aria-current" not in client.get("/account/password").get_data(as_text=True)  # not a menu page
