"""reservations: pickup codes need not be unique, and one listing index is enough

A pickup code is only ever checked against its own reservation, so uniqueness across all
reservations bought nothing; with six letters it made inserts fail by chance once there were
tens of thousands of reservations. The index on listing_id alone repeated the leading column
of (listing_id, status). Both cost every reservation a write.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 22:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_constraint('pickup_code', type_='unique')
        batch_op.drop_index('ix_reservations_listing_id')


def downgrade():
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('ix_reservations_listing_id', ['listing_id'], unique=False)
        batch_op.create_unique_constraint('pickup_code', ['pickup_code'])
