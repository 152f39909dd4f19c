"""Every test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.

The schema is built once per database by running the real migrations; after each test
all rows are deleted, so tests may commit like the app does.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from learnhub import create_app
from learnhub.config import TestConfig
from learnhub.extensions import db, limiter
from tests.access_world import build_world
from tests.databases import create_database, drop_database
from tests.parallel import skip_unless_postgresql
from tests.smtp import SmtpSink

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@event.listens_for(Engine, "connect")
def _fast_sqlite(dbapi_connection, connection_record):
    # Tests need no durability: skipping fsync makes each commit cheap.
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A database with the schema built by `flask db upgrade` from an empty start.

    Under pytest-xdist (`make test` runs a worker per core) each worker has a PostgreSQL database of its
    own beside TEST_DATABASE_URL's (test_gw0, ...), dropped at the end: every test deletes all rows.
    """
    shared, worker = os.environ.get("TEST_DATABASE_URL", ""), os.environ.get("PYTEST_XDIST_WORKER")
    own_database = f"{make_url(shared).database}_{worker}" if request.param == "postgresql" and worker else None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    elif own_database:
        url = create_database(shared, own_database, if_missing=True)
    else:
        url = shared
    app = create_app(TestConfig(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield url
    if own_database:
        drop_database(shared, own_database)


def _delete_all_rows() -> None:
    # DELETE beats TRUNCATE for tables this small (TRUNCATE rewrites every table's files on PostgreSQL).
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":  # one round trip instead of one per table
            connection.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))
        else:
            for table in tables:
                connection.execute(table.delete())


def _build_app(database_url: str, smtp_port: int, **overrides):
    app = create_app(TestConfig(database_url, **{"MAIL_PORT": smtp_port, **overrides}))
    app.test_client_class = FreshContextClient
    return app


def reset_app(app, smtp_sink) -> None:
    with app.app_context():
        db.session.remove()
        _delete_all_rows()
    limiter.reset()
    smtp_sink.clear()


@pytest.fixture(scope="session")
def shared_app(database_url, smtp_sink):
    """One app per database for the whole run: building apps (and compiling templates) is slow."""
    app = _build_app(database_url, smtp_sink.port)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def access_world(shared_app, smtp_sink):
    """The access matrix's world (tests/access_world.py), built once for a module whose cases leave it
    usable for the next: (app, e-mail by role, ids)."""
    with shared_app.app_context():
        emails, ids = build_world()
        db.session.commit()
    yield shared_app, emails, ids
    reset_app(shared_app, smtp_sink)


@pytest.fixture
def make_app(database_url, smtp_sink):
    """Build an app with its own settings; keyword arguments override TestConfig."""
    apps = []

    def factory(**overrides):
        apps.append(_build_app(database_url, smtp_sink.port, **overrides))
        return apps[-1]

    yield factory
    for app in apps:
        reset_app(app, smtp_sink)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def parallel_app(make_app):
    """An app of its own for real parallel requests (tests/parallel.py), with no sign-in limit in their way;
    PostgreSQL only: SQLite runs one writer at a time."""
    app = make_app(LOGIN_RATE_LIMIT="1000 per minute")
    with app.app_context():
        skip_unless_postgresql()
        yield app


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production: its own `g` and database session.
    The test's own work is committed first, as a real client would only ever see committed data.

    Without this, requests would share the test's context (and flask-login's cached user).
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()  # what the test set up becomes visible to the request
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's own objects reload what the request changed
        return response


@pytest.fixture
def app(shared_app, smtp_sink):
    with shared_app.app_context():
        yield shared_app
    reset_app(shared_app, smtp_sink)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client) -> None:
        self._client = client

    def login(self, email: str, password: str = None):
        from tests.factories import PASSWORD

        return self._client.post("/auth/login", data={"email": email, "password": password or PASSWORD})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@contextmanager
def recorded_queries() -> Iterator[list[str]]:
    """`with recorded_queries() as queries:` … the SQL statements the current app ran meanwhile."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries:` … `len(queries)` is the number of SQL statements run."""
    return recorded_queries
