"""Creating and dropping PostgreSQL databases beside the one TEST_DATABASE_URL names."""

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url


def libpq_url(url: str) -> str:
    """A database URL as libpq spells it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def create_database(url: str, name: str, *, if_missing: bool = False) -> str:
    """Create database `name` on `url`'s server; its URL."""
    with psycopg.connect(make_conninfo(libpq_url(url)), autocommit=True) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not (exists and if_missing):
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(make_conninfo(libpq_url(url)), autocommit=True) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
