"""Operations tests: scratch PostgreSQL databases that each test creates and drops itself."""

import os
import socket
import uuid

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url


def server_url() -> str:
    """TEST_DATABASE_URL as libpq spells it; the tests skip without it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def scratch_database():
    """`scratch_database()` creates an empty database with a unique name and returns its URL;
    every one is dropped afterwards (never the shared test database)."""
    created = []
    url = server_url()

    def create() -> str:
        name = f"learnhub_scratch_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(make_conninfo(url), autocommit=True) as server:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return with_database(url, name)

    yield create
    with psycopg.connect(make_conninfo(url), autocommit=True) as server:
        for name in created:
            server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def closed_port() -> int:
    """A local port nothing listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_database_app(**overrides):
    """An app whose PostgreSQL server is down: nothing listens on its port."""
    from learnhub import create_app
    from learnhub.config import TestConfig

    return create_app(TestConfig(f"postgresql://postgres@127.0.0.1:{closed_port()}/learnhub", **overrides))
