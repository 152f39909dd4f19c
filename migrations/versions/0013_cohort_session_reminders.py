"""cohort session reminders: one row per reminder mailed to a participant, so each goes out once

Revision ID: 5d2a8c41e7f3
Revises: 3f6b0c2d8e17
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2a8c41e7f3'
down_revision = '3f6b0c2d8e17'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_session_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lead_minutes', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['cohort_session.id'], name=op.f('fk_cohort_session_reminder_session_id_cohort_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_cohort_session_reminder_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_session_reminder')),
    sa.UniqueConstraint('session_id', 'user_id', 'lead_minutes', name=op.f('uq_cohort_session_reminder_session_id_user_id_lead_minutes'))
    )
    with op.batch_alter_table('cohort_session_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_session_reminder_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cohort_session_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_session_reminder_session_id'))

    op.drop_table('cohort_session_reminder')
