"""certificate status index: each certificate's fixed bit in the revocation status list (Bitstring Status List)

Revision ID: 7c1e5a9d3b24
Revises: 5d2a8c41e7f3
Create Date: 2027-01-10 10:00:00

"""
import random

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5a9d3b24'
down_revision = '5d2a8c41e7f3'
branch_labels = None
depends_on = None

LIST_SIZE = 131_072  # learnhub/certification/status_list.py, as it was when this migration was written


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))

    # Existing certificates get distinct random indexes, with the lists at most half full, as new ones do.
    certificate = sa.table('certificate', sa.column('id', sa.Integer()), sa.column('status_index', sa.Integer()))
    connection = op.get_bind()
    ids = list(connection.scalars(sa.select(certificate.c.id).order_by(certificate.c.id)))
    capacity = LIST_SIZE * (1 + len(ids) // (LIST_SIZE // 2))
    for certificate_id, index in zip(ids, random.SystemRandom().sample(range(capacity), len(ids))):
        connection.execute(certificate.update().where(certificate.c.id == certificate_id).values(status_index=index))

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('status_index', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_status_index'), ['status_index'])


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificate_status_index'), type_='unique')
        batch_op.drop_column('status_index')
