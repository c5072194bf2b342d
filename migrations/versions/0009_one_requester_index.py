"""reservations: one index by requester is enough

The unique constraint one_per_key on (requester_id, idempotency_key) already finds a
requester's reservations, and serves the users foreign key; the index on requester_id alone
repeated its leading column and cost every reservation a write.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 02:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_reservations_requester_id')


def downgrade():
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('ix_reservations_requester_id', ['requester_id'], unique=False)
