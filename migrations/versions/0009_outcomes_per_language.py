"""outcomes per language: a module's learning outcomes are kept per language, like its title and body

Until now `module.outcomes` was one list, always English, so no translation could carry them.
Each list becomes {"en": list}; translations add their own language.

Revision ID: 5d2a7c91e0b4
Revises: 7c1e2f4a9b30
Create Date: 2026-12-07 02:30:00

"""
import json

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d2a7c91e0b4'
down_revision = '7c1e2f4a9b30'
branch_labels = None
depends_on = None

module = sa.table("module", sa.column("id", sa.Integer), sa.column("outcomes", sa.JSON))


def _convert(change) -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.select(module.c.id, module.c.outcomes)).all():
        outcomes = row.outcomes if not isinstance(row.outcomes, str) else json.loads(row.outcomes)
        bind.execute(module.update().where(module.c.id == row.id).values(outcomes=change(outcomes)))


def upgrade():
    _convert(lambda outcomes: outcomes if isinstance(outcomes, dict) else {"en": outcomes or []})


def downgrade():
    _convert(lambda outcomes: outcomes.get("en", []) if isinstance(outcomes, dict) else outcomes)
