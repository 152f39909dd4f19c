import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from learnhub import create_app
from learnhub.config import TestConfig as MigratedConfig
from learnhub.extensions import db
from learnhub.timeutil import utcnow
from tests.factories import EnrolmentFactory, certificate_for


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


def test_a_revocation_reason_becomes_the_internal_note_and_nothing_is_published(tmp_path):
    """Migration 0010 on SQLite (batch operations): reasons written before it were never meant for the public."""
    app = create_app(MigratedConfig(f"sqlite:///{tmp_path / 'migrated.sqlite'}"))
    with app.app_context():
        upgrade()
        certificate = certificate_for(EnrolmentFactory(), revoked_at=utcnow())
        db.session.commit()
        downgrade(revision="5d2a7c91e0b4")  # the schema before the note and the public reason
        db.session.execute(text("UPDATE certificate SET revoked_reason = 'Fraud suspected'"))
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT revoked_note, revoked_public_reason FROM certificate WHERE id = :id"),
                                 {"id": certificate.id}).one()
        assert tuple(row) == ("Fraud suspected", "")
        db.session.remove()
        db.engine.dispose()
