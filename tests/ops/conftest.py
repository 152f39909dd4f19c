"""Operations tests: scratch PostgreSQL databases that each test creates and drops itself."""

import os
import socket
import uuid

import pytest

from tests.databases import create_database, drop_database, libpq_url


def server_url() -> str:
    """TEST_DATABASE_URL as libpq spells it; the tests skip without it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")
    return libpq_url(url)


@pytest.fixture
def scratch_database():
    """`scratch_database()` creates an empty database with a unique name and returns its URL;
    every one is dropped afterwards (never the shared test database)."""
    created = []
    url = server_url()

    def create() -> str:
        created.append(f"learnhub_scratch_{uuid.uuid4().hex[:12]}")
        return create_database(url, created[-1])

    yield create
    for name in created:
        drop_database(url, name)


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
