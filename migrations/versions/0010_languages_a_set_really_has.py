"""languages a set really has: a version lists only the languages every module is written in

Versions imported or published before this rule listed languages their modules had no text for
(Trialogue claimed Bosnian with English bodies). Their lists now keep only the languages every module
has a body and outcomes in; sr_Cyrl follows sr_Latn. The removed rows cannot be told apart afterwards,
so the downgrade leaves the lists as they are.

Revision ID: 9e4b1f6c2d73
Revises: 5d2a7c91e0b4
Create Date: 2026-12-07 03:10:00

"""
import json

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9e4b1f6c2d73'
down_revision = '5d2a7c91e0b4'
branch_labels = None
depends_on = None

module = sa.table("module", sa.column("version_id", sa.Integer), sa.column("body", sa.JSON),
                  sa.column("outcomes", sa.JSON))
version_language = sa.table("version_language", sa.column("version_id", sa.Integer),
                            sa.column("language", sa.String))


def _loaded(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


def upgrade():
    bind = op.get_bind()
    modules: dict[int, list] = {}
    for row in bind.execute(sa.select(module.c.version_id, module.c.body, module.c.outcomes)):
        modules.setdefault(row.version_id, []).append((_loaded(row.body), _loaded(row.outcomes)))
    for row in bind.execute(sa.select(version_language.c.version_id, version_language.c.language)).all():
        written = "sr_Latn" if row.language == "sr_Cyrl" else row.language
        if any(not body.get(written) or not outcomes.get(written) for body, outcomes in modules.get(row.version_id, [])):
            bind.execute(version_language.delete().where(version_language.c.version_id == row.version_id,
                                                         version_language.c.language == row.language))


def downgrade():
    pass
