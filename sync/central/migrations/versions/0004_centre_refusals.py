"""Refused batches (issue 16, the centre slice): which terminal tried to push what
its station may not, when and why.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terminal', sa.String(length=3), nullable=False),
    sa.Column('station', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=80), nullable=True),
    sa.Column('user_login', sa.String(length=64), nullable=True),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refusals'))
    )
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refusals_terminal'), ['terminal'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refusals_terminal'))
    op.drop_table('refusals')
