"""revocation note and public reason: the reason an admin gave was published by /verify/<code>.json

What admins wrote when revoking was meant for them: it becomes the internal note, and the public
reason, shown to anyone who verifies, starts empty. Batch operations, so SQLite can rename the column.

Revision ID: 3f6b0c2d8e17
Revises: 9d4b6e2f1a75
Create Date: 2026-12-07 02:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '3f6b0c2d8e17'
down_revision = '9d4b6e2f1a75'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('revoked_reason', new_column_name='revoked_note', existing_type=sa.Text(),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('revoked_public_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('revoked_public_reason', server_default=None)


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('revoked_public_reason')
        batch_op.alter_column('revoked_note', new_column_name='revoked_reason', existing_type=sa.Text(),
                              existing_nullable=False)
