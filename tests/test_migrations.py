import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

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


def test_outcomes_become_per_language_and_versions_keep_only_languages_they_have(tmp_path):
    """Migrations 0009 and 0010 on data written before them: outcomes move under "en"; a version that
    listed Bosnian with no Bosnian text lists only what its modules are written in."""
    from flask_migrate import upgrade

    from learnhub import create_app
    from learnhub.config import TestConfig

    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'old.sqlite'}"))
    with app.app_context():
        upgrade(revision="7c1e2f4a9b30")
        db.session.execute(text("INSERT INTO learning_set (id, slug, created_at) VALUES (1, 'trialogue', '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO learning_set_version (id, learning_set_id, number, state, title, summary, audience, hours, "
            "cpd_points, certification, created_at) VALUES (1, 1, 1, 'published', '{}', '{}', '[]', 8, 4, '{}', "
            "'2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO module (id, version_id, slug, position, title, duration_minutes, is_required, outcomes, body) "
            "VALUES (1, 1, '01-a', 1, '{}', 60, 1, '[\"Listen\"]', '{\"en\": \"Text\", \"sr_Latn\": \"Tekst\"}')"))
        for language in ("en", "sr_Latn", "sr_Cyrl", "bs"):
            db.session.execute(text("INSERT INTO version_language (version_id, language) VALUES (1, :language)"),
                               {"language": language})
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT outcomes FROM module")).scalar() == '{"en": ["Listen"]}'
        assert sorted(db.session.scalars(text("SELECT language FROM version_language"))) == ["en"]


def test_a_revocation_reason_becomes_the_internal_note_and_nothing_is_published(tmp_path):
    """Migration 0012 on SQLite (batch operations): reasons written before it were never meant for the public."""
    app = create_app(MigratedConfig(f"sqlite:///{tmp_path / 'migrated.sqlite'}"))
    with app.app_context():
        upgrade()
        certificate = certificate_for(EnrolmentFactory(), revoked_at=utcnow())
        db.session.commit()
        downgrade(revision="9d4b6e2f1a75")  # the schema before the note and the public reason
        db.session.execute(text("UPDATE certificate SET revoked_reason = 'Fraud suspected'"))
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT revoked_note, revoked_public_reason FROM certificate WHERE id = :id"),
                                 {"id": certificate.id}).one()
        assert tuple(row) == ("Fraud suspected", "")
        db.session.remove()
        db.engine.dispose()


def test_certificates_from_before_status_lists_get_distinct_places_in_them(tmp_path):
    """Migration 0014 on SQLite (batch operations): every existing certificate gets its own status-list index."""
    app = create_app(MigratedConfig(f"sqlite:///{tmp_path / 'migrated.sqlite'}"))
    with app.app_context():
        upgrade()
        ids = [certificate_for(EnrolmentFactory()).id for _ in range(3)]
        db.session.commit()
        downgrade(revision="5d2a8c41e7f3")  # the schema before status lists
        upgrade()
        indexes = list(db.session.scalars(text("SELECT status_index FROM certificate ORDER BY id")))
        assert len(indexes) == len(ids) == len(set(indexes)) and all(0 <= i < 131_072 for i in indexes)
        with pytest.raises(IntegrityError):  # unique: two certificates never share a bit
            db.session.execute(text("UPDATE certificate SET status_index = :index WHERE id = :id"),
                               {"index": indexes[0], "id": ids[1]})
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
