"""feed versions: when each session's SEQUENCE and each participant's answer last changed

Feeds give every event a DTSTAMP that stays the same until the event changes, and answer
If-None-Match and If-Modified-Since from it.

Revision ID: 8a3c5e7f9b14
Revises: 7c1e5a9d3b24
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a3c5e7f9b14'
down_revision = '7c1e5a9d3b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mentoring_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE mentoring_session SET changed_at = created_at")
    with op.batch_alter_table('mentoring_session', schema=None) as batch_op:
        batch_op.alter_column('changed_at', existing_type=sa.DateTime(), nullable=False)
    with op.batch_alter_table('session_participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('session_participant', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
    with op.batch_alter_table('mentoring_session', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
