"""Real parallel requests, for rules that must hold on PostgreSQL when people act at the same moment
(SQLite serialises writers anyway)."""

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from learnhub.extensions import db
from tests.factories import PASSWORD


def skip_unless_postgresql() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite runs one writer at a time")


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def post_at_once(posts: list[tuple[FlaskClient, str, dict | None]]) -> list[int]:
    """Send every (client, url, form) from a thread of its own, all released together; the statuses,
    in the order given."""
    start = threading.Barrier(len(posts))
    statuses: list[int | None] = [None] * len(posts)

    def send(index: int, client: FlaskClient, url: str, data: dict | None) -> None:
        start.wait()
        statuses[index] = client.post(url, data=data).status_code

    threads = [threading.Thread(target=send, args=(index, *post)) for index, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
