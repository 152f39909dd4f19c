import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from learnhub.extensions import db


def test_models_and_migrations_agree(app):
    """The schema built by `flask db upgrade` is exactly what the models describe."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_postgresql_knows_that_each_enrolment_pair_occurs_once(app):
    """Reports join certificates to enrolments on (cohort, person); without these statistics PostgreSQL
    misplans that join at scale (migration 0008)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    statistics = db.session.execute(text(
        "SELECT stxname, stxkind FROM pg_statistic_ext WHERE stxrelid = 'enrolment'::regclass")).all()
    assert [(name, list(kind)) for name, kind in statistics] == [("st_enrolment_cohort_user", ["d"])]
