"""stored report figures: the institute dashboard's figures as the worker last computed them

Revision ID: 6e2f8a4c1d37
Revises: 4c8e1a6f2d90
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e2f8a4c1d37'
down_revision = '4c8e1a6f2d90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_figures',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_figures'))
    )


def downgrade():
    op.drop_table('stored_figures')
