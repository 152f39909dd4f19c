"""session reschedule reason: why a session was moved is kept apart from why it was cancelled

Both were kept in cancel_reason, so someone removed after a move was told the move's reason as the
reason for their cancellation. Reasons held by sessions still scheduled were given for a move.

Revision ID: 9d4b6e2f1a75
Revises: 9e4b1f6c2d73
Create Date: 2026-12-07 02:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4b6e2f1a75'
down_revision = '9e4b1f6c2d73'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mentoring_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reschedule_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('mentoring_session', schema=None) as batch_op:
        batch_op.alter_column('reschedule_reason', server_default=None)
    op.execute("UPDATE mentoring_session SET reschedule_reason = cancel_reason, cancel_reason = '' "
               "WHERE status = 'scheduled'")


def downgrade():
    op.execute("UPDATE mentoring_session SET cancel_reason = reschedule_reason WHERE status = 'scheduled'")
    with op.batch_alter_table('mentoring_session', schema=None) as batch_op:
        batch_op.drop_column('reschedule_reason')
