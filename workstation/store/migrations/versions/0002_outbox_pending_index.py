"""Index the outbox's unacknowledged events.

The status bar counts waiting events every half minute; without the index that
is a scan of every event the terminal ever wrote.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_acked_at", "outbox", ["acked_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_acked_at", "outbox")
