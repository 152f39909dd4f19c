"""meeting places: a mentor's default place or link for new sessions, and the mentee's note for the mentor

Revision ID: 5d2f8b4a7c31
Revises: 5d1f7b3a9c62
Create Date: 2026-12-09 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2f8b4a7c31'
down_revision = '5d1f7b3a9c62'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mentor_profile', schema=None) as batch_op:
        # Mentors meet in a new video room for each session until they choose otherwise.
        batch_op.add_column(sa.Column('meeting_kind', sa.String(length=10), nullable=False, server_default='room'))
        batch_op.add_column(sa.Column('meeting_place', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('meeting_url', sa.String(length=500), nullable=False, server_default=''))
        batch_op.create_check_constraint(batch_op.f('ck_mentor_profile_known_meeting_kind'), "meeting_kind IN ('room', 'link', 'place')")
    with op.batch_alter_table('mentor_profile', schema=None) as batch_op:
        for column in ('meeting_kind', 'meeting_place', 'meeting_url'):
            batch_op.alter_column(column, server_default=None)
    with op.batch_alter_table('mentoring_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note_for_mentor', sa.String(length=1000), nullable=False, server_default=''))
    with op.batch_alter_table('mentoring_session', schema=None) as batch_op:
        batch_op.alter_column('note_for_mentor', server_default=None)


def downgrade():
    with op.batch_alter_table('mentoring_session', schema=None) as batch_op:
        batch_op.drop_column('note_for_mentor')
    with op.batch_alter_table('mentor_profile', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_mentor_profile_known_meeting_kind'), type_='check')
        batch_op.drop_column('meeting_url')
        batch_op.drop_column('meeting_place')
        batch_op.drop_column('meeting_kind')
