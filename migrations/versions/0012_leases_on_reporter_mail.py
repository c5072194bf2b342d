"""notices: a lease on the reporter's e-mails, so that one that was claimed is never lost

A notice is the outbox of the e-mails to its reporter. Its sender used to mark the e-mail as
sent before sending it, so a sender that died in between lost that e-mail. Now it leases the
notice until `mail_claimed_until`, renews the lease while it sends, and marks the e-mail sent
after the mail server has accepted it; a sender that died lets the notice go when the lease
runs out.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_claimed_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_column('mail_claimed_until')
