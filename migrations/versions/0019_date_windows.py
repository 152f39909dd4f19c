"""date-specific hours: an availability window may hold on one date, in place of its weekday's

Revision ID: 5d1f7b3a9c62
Revises: 6e2f8a4c1d37
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1f7b3a9c62'
down_revision = '6e2f8a4c1d37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('availability_window', schema=None) as batch_op:
        batch_op.add_column(sa.Column('day', sa.Date(), nullable=True))


def downgrade():
    # Date-specific hours have no weekly meaning: they go, rather than becoming every such weekday's.
    op.execute("DELETE FROM availability_window WHERE day IS NOT NULL")
    with op.batch_alter_table('availability_window', schema=None) as batch_op:
        batch_op.drop_column('day')
