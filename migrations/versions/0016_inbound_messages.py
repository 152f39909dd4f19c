"""inbound messages: each message read from the reply mailbox is claimed by its key, so it is handled once

Revision ID: 2b7d9f1c3e58
Revises: 8a3c5e7f9b14
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b7d9f1c3e58'
down_revision = '8a3c5e7f9b14'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=300), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_message')),
    sa.UniqueConstraint('message_key', name=op.f('uq_inbound_message_message_key'))
    )


def downgrade():
    op.drop_table('inbound_message')
