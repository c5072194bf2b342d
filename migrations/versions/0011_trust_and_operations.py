"""trust and operations: notice and action, suspension, organisation verification, terms

Notices group into moderation cases (one open case per item: a partial unique index);
decisions are the statements of reasons, complaints contest them. Users gain suspension,
the terms version they accepted and an erasure time; listings a restriction time and the
decision that removed them; organisations a verification status and the trader's details.
Existing organisations take their verification status from `verified`; existing users keep
no terms version (they accepted none).

The columns of existing tables are added in batch mode, as before: on SQLite it rebuilds
users, listings and organisations (env.py turns foreign keys off meanwhile, so the rebuild
deletes nothing that cascades from them).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TARGET = sa.Enum('listing', 'organisation', 'message', 'user', name='moderationtarget', native_enum=False, length=32)


def upgrade():
    op.create_table('moderation_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_type', TARGET, nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'decided', name='casestatus', native_enum=False, length=32), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_count', sa.Integer(), nullable=False),
    sa.Column('last_notice_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status = 'open' OR decided_at IS NOT NULL", name=op.f('ck_moderation_cases_decided_at')),
    sa.CheckConstraint('notice_count >= 0', name=op.f('ck_moderation_cases_notice_count')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_cases'))
    )
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_cases_status_opened_at', ['status', 'opened_at'], unique=False)
        batch_op.create_index('uq_moderation_cases_open_target', ['target_type', 'target_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('moderation_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('target_type', TARGET, nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('affected_user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.Enum('no_action', 'restrict_visibility', 'remove_listing', 'suspend_temporarily', 'suspend_indefinitely', name='decisionaction', native_enum=False, length=32), nullable=False),
    sa.Column('ground_kind', sa.Enum('law', 'terms', name='groundkind', native_enum=False, length=32), nullable=False),
    sa.Column('ground', sa.Text(), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('automated', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('suspended_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('statement_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversed_by_complaint_id', sa.Integer(), nullable=True),
    sa.Column('restored', sa.JSON(), nullable=False),
    sa.CheckConstraint("(action = 'suspend_temporarily') = (suspended_until IS NOT NULL)", name=op.f('ck_moderation_decisions_suspended_until')),
    sa.CheckConstraint('automated OR decided_by_id IS NOT NULL', name=op.f('ck_moderation_decisions_decided_by')),
    sa.ForeignKeyConstraint(['affected_user_id'], ['users.id'], name=op.f('fk_moderation_decisions_affected_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['moderation_cases.id'], name=op.f('fk_moderation_decisions_case_id_moderation_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_moderation_decisions_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_decisions'))
    )
    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_decisions_affected_user_id'), ['affected_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_decisions_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_moderation_decisions_decided_at', ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_decisions_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_decisions_reversed_by_complaint_id'), ['reversed_by_complaint_id'], unique=False)
        batch_op.create_index('ix_moderation_decisions_target', ['target_type', 'target_id'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('target_type', TARGET, nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('illegal_goods', 'hazardous_undeclared', 'stolen_goods', 'fraud_or_scam', 'personal_data', 'hate_or_harassment', 'spam', 'intellectual_property', 'other_terms', name='noticereason', native_enum=False, length=32), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=2000), nullable=False),
    sa.Column('reporter_user_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=120), nullable=False),
    sa.Column('reporter_email', sa.String(length=254), nullable=False),
    sa.Column('reporter_locale', sa.Enum('fi', 'sv', 'en', name='language', native_enum=False, length=32), nullable=False),
    sa.Column('good_faith', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_ip_digest', sa.String(length=64), nullable=True),
    sa.CheckConstraint('good_faith', name=op.f('ck_notices_good_faith')),
    sa.ForeignKeyConstraint(['case_id'], ['moderation_cases.id'], name=op.f('fk_notices_case_id_moderation_cases')),
    sa.ForeignKeyConstraint(['reporter_user_id'], ['users.id'], name=op.f('fk_notices_reporter_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_notices_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_reporter_user_id'), ['reporter_user_id'], unique=False)
        batch_op.create_index('ix_notices_source_ip_digest_created_at', ['source_ip_digest', 'created_at'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('complainant_user_id', sa.Integer(), nullable=True),
    sa.Column('complainant_email', sa.String(length=254), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'upheld', 'reversed', name='complaintstatus', native_enum=False, length=32), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status = 'open' OR handled_at IS NOT NULL", name=op.f('ck_complaints_handled_at')),
    sa.ForeignKeyConstraint(['complainant_user_id'], ['users.id'], name=op.f('fk_complaints_complainant_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decision_id'], ['moderation_decisions.id'], name=op.f('fk_complaints_decision_id_moderation_decisions')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_complaints_handled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_complaints_decision_id'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_complainant_user_id'), ['complainant_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_handled_by_id'), ['handled_by_id'], unique=False)
        batch_op.create_index('ix_complaints_status_created_at', ['status', 'created_at'], unique=False)

    # Decisions and complaints name each other: this key waits for the complaints table.
    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_moderation_decisions_reversed_by_complaint_id_complaints'), 'complaints', ['reversed_by_complaint_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_by_decision_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('restricted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_listings_removed_by_decision_id'), ['removed_by_decision_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_listings_removed_by_decision_id_moderation_decisions'), 'moderation_decisions', ['removed_by_decision_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_status', sa.Enum('unverified', 'pending', 'verified', 'rejected', name='verificationstatus', native_enum=False, length=32), server_default='unverified', nullable=False))
        batch_op.add_column(sa.Column('verification_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('verification_decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verification_decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('street_address', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('postal_code', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('city', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('trade_register_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('trader_certified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_organisations_verification_decided_by_id'), ['verification_decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_verification_status'), ['verification_status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_organisations_verification_decided_by_id_users'), 'users', ['verification_decided_by_id'], ['id'])
    op.execute(sa.text("UPDATE organisations SET verification_status = 'verified' WHERE verified"))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms_version', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('terms_accepted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspended_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspended_indefinitely', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('suspension_decision_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_suspension_decision_id'), ['suspension_decision_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_suspension_decision_id_moderation_decisions'), 'moderation_decisions', ['suspension_decision_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_users_one_suspension'), 'NOT (suspended_indefinitely AND suspended_until IS NOT NULL)')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_one_suspension'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_users_suspension_decision_id_moderation_decisions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_suspension_decision_id'))
        batch_op.drop_column('suspension_decision_id')
        batch_op.drop_column('suspended_indefinitely')
        batch_op.drop_column('suspended_until')
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('terms_accepted_at')
        batch_op.drop_column('terms_version')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_verification_status'))
        batch_op.drop_index(batch_op.f('ix_organisations_verification_decided_by_id'))
        batch_op.drop_constraint(batch_op.f('fk_organisations_verification_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('verification_decided_by_id')
        batch_op.drop_column('trader_certified_at')
        batch_op.drop_column('trade_register_number')
        batch_op.drop_column('email')
        batch_op.drop_column('phone')
        batch_op.drop_column('city')
        batch_op.drop_column('postal_code')
        batch_op.drop_column('street_address')
        batch_op.drop_column('verification_decided_at')
        batch_op.drop_column('verification_note')
        batch_op.drop_column('verification_status')

    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listings_removed_by_decision_id'))
        batch_op.drop_constraint(batch_op.f('fk_listings_removed_by_decision_id_moderation_decisions'), type_='foreignkey')
        batch_op.drop_column('removed_by_decision_id')
        batch_op.drop_column('restricted_at')

    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_moderation_decisions_reversed_by_complaint_id_complaints'), type_='foreignkey')
    op.drop_table('complaints')
    op.drop_table('notices')
    op.drop_table('moderation_decisions')
    op.drop_table('moderation_cases')
