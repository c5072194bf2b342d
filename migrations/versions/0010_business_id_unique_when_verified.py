"""organisations: a business ID is unique only among verified organisations

Anyone may claim a business ID (Y-tunnus) when signing an organisation up. With the ID unique
across all organisations, an unverified claim blocked the company that really holds it; now
only verified organisations hold an ID exclusively (a partial unique index).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_organisations_business_id', type_='unique')
        batch_op.create_index(
            'uq_organisations_verified_business_id',
            ['business_id'],
            unique=True,
            sqlite_where=sa.text('verified'),
            postgresql_where=sa.text('verified'),
        )


def downgrade():
    # Fails while unverified claims share an ID with another organisation: remove them first.
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index('uq_organisations_verified_business_id')
        batch_op.create_unique_constraint('uq_organisations_business_id', ['business_id'])
