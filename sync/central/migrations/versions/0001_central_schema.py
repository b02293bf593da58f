"""The central server's schema: terminals and enrollment codes, events and conflicts,
the centre's view of acceptances, cases, documents and seals, uploaded files, the
change feed and its counter, number blocks, the published catalog, calendars, users.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('acceptances',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('receipt_no', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('terminal', sa.String(length=3), nullable=False),
    sa.Column('clerk', sa.String(length=64), nullable=False),
    sa.Column('applicant_name', sa.String(length=100), nullable=False),
    sa.Column('applicant', sa.JSON(), nullable=True),
    sa.Column('bundle', sa.String(length=40), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('catalog_version', sa.String(length=40), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acceptances'))
    )
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acceptances_receipt_no'), ['receipt_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_acceptances_station'), ['station'], unique=False)

    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    op.create_table('cases',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('acceptance_id', sa.String(length=64), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('receipt_no', sa.String(length=40), nullable=False),
    sa.Column('applicant_name', sa.String(length=100), nullable=False),
    sa.Column('matter_code', sa.String(length=40), nullable=False),
    sa.Column('matter_name', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('statutory_due_date', sa.Date(), nullable=True),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('document_no', sa.String(length=80), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('last_terminal', sa.String(length=3), nullable=False),
    sa.Column('last_user', sa.String(length=64), nullable=False),
    sa.Column('last_event_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_acceptance_id'), ['acceptance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_receipt_no'), ['receipt_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_station'), ['station'], unique=False)

    op.create_table('catalog_matters',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_catalog_matters'))
    )
    op.create_table('catalog_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('bundles', sa.JSON(), nullable=False),
    sa.Column('matters', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_releases'))
    )
    op.create_table('changes',
    sa.Column('cursor', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('station', sa.String(length=20), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('origin_terminal', sa.String(length=3), nullable=True),
    sa.Column('origin_station', sa.String(length=20), nullable=True),
    sa.Column('origin_user', sa.String(length=64), nullable=True),
    sa.Column('origin_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('cursor', name=op.f('pk_changes'))
    )
    op.create_table('conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('terminal', sa.String(length=3), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('user_login', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflicts'))
    )
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflicts_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflicts_station'), ['station'], unique=False)

    counters = op.create_table('counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counters'))
    )
    # The change feed's cursor: taken under this row's lock (see changes.write_changes).
    op.bulk_insert(counters, [{'name': 'changes', 'value': 0}])
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acceptance_id', sa.String(length=64), nullable=True),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('seal_id', sa.String(length=60), nullable=True),
    sa.Column('digest', sa.String(length=200), nullable=True),
    sa.Column('signature', sa.String(length=300), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_acceptance_id'), ['acceptance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)

    op.create_table('enrollment_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_sha256', sa.String(length=64), nullable=False),
    sa.Column('terminal', sa.String(length=3), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment_codes')),
    sa.UniqueConstraint('code_sha256', name=op.f('uq_enrollment_codes_code_sha256'))
    )
    with op.batch_alter_table('enrollment_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_codes_terminal'), ['terminal'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('terminal', sa.String(length=3), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('user_login', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_terminal_seq', ['terminal', 'seq'], unique=False)

    op.create_table('files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('terminal', sa.String(length=3), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_files'))
    )
    op.create_table('number_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority', sa.String(length=40), nullable=False),
    sa.Column('act', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('first', sa.BigInteger(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.Column('terminal', sa.String(length=3), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('leased_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_blocks'))
    )
    with op.batch_alter_table('number_blocks', schema=None) as batch_op:
        batch_op.create_index('ix_number_blocks_scope', ['authority', 'act', 'year'], unique=False)

    op.create_table('number_counters',
    sa.Column('authority', sa.String(length=40), nullable=False),
    sa.Column('act', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('next', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('authority', 'act', 'year', name=op.f('pk_number_counters'))
    )
    op.create_table('seals',
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('algorithm', sa.String(length=20), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('certificate', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('terminal', sa.String(length=3), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seals'))
    )
    op.create_table('terminals',
    sa.Column('terminal', sa.String(length=3), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=True),
    sa.Column('device', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('terminal', name=op.f('pk_terminals')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_terminals_token_sha256'))
    )
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terminals_station'), ['station'], unique=False)

    op.create_table('users',
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('login', name=op.f('pk_users'))
    )


def downgrade() -> None:
    op.drop_table('users')
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terminals_station'))

    op.drop_table('terminals')
    op.drop_table('seals')
    op.drop_table('number_counters')
    with op.batch_alter_table('number_blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_number_blocks_scope')

    op.drop_table('number_blocks')
    op.drop_table('files')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_terminal_seq')

    op.drop_table('events')
    with op.batch_alter_table('enrollment_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_codes_terminal'))

    op.drop_table('enrollment_codes')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_documents_number'))
        batch_op.drop_index(batch_op.f('ix_documents_case_id'))
        batch_op.drop_index(batch_op.f('ix_documents_acceptance_id'))

    op.drop_table('documents')
    op.drop_table('counters')
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflicts_station'))
        batch_op.drop_index(batch_op.f('ix_conflicts_event_id'))

    op.drop_table('conflicts')
    op.drop_table('changes')
    op.drop_table('catalog_releases')
    op.drop_table('catalog_matters')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_station'))
        batch_op.drop_index(batch_op.f('ix_cases_receipt_no'))
        batch_op.drop_index(batch_op.f('ix_cases_acceptance_id'))

    op.drop_table('cases')
    op.drop_table('calendar_years')
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acceptances_station'))
        batch_op.drop_index(batch_op.f('ix_acceptances_receipt_no'))

    op.drop_table('acceptances')
