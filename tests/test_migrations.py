from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from learnhub.extensions import db


def test_models_and_migrations_agree(app):
    """The schema built by `flask db upgrade` is exactly what the models describe."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
