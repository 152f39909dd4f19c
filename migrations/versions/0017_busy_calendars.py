"""busy calendars: a mentor's own calendars (ICS or CalDAV) and the busy intervals read from them

Revision ID: 4c8e1a6f2d90
Revises: 2b7d9f1c3e58
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c8e1a6f2d90'
down_revision = '2b7d9f1c3e58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('busy_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_success_at', sa.DateTime(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['user.id'], name=op.f('fk_busy_calendar_mentor_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_calendar'))
    )
    with op.batch_alter_table('busy_calendar', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_busy_calendar_mentor_id'), ['mentor_id'], unique=False)

    op.create_table('busy_interval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_busy_interval_ends_after_start')),
    sa.ForeignKeyConstraint(['calendar_id'], ['busy_calendar.id'],
                            name=op.f('fk_busy_interval_calendar_id_busy_calendar'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['user.id'], name=op.f('fk_busy_interval_mentor_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_interval'))
    )
    with op.batch_alter_table('busy_interval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_busy_interval_calendar_id'), ['calendar_id'], unique=False)
        batch_op.create_index('ix_busy_interval_mentor_period', ['mentor_id', 'starts_at'], unique=False)


def downgrade():
    with op.batch_alter_table('busy_interval', schema=None) as batch_op:
        batch_op.drop_index('ix_busy_interval_mentor_period')
        batch_op.drop_index(batch_op.f('ix_busy_interval_calendar_id'))
    op.drop_table('busy_interval')
    with op.batch_alter_table('busy_calendar', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_busy_calendar_mentor_id'))
    op.drop_table('busy_calendar')
