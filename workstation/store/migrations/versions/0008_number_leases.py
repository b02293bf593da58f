"""Number-block leases: blocks of 文号 leased from the centre are kept in number_blocks
(source 'lease', beside the terminal's own 'offline' range), with when and from which
server each was leased; the blocks of one authority, act and year are found by index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("number_blocks", sa.Column("leased_at", sa.DateTime(), nullable=True))
    op.add_column("number_blocks", sa.Column("server", sa.String(200), nullable=True))
    op.create_index("ix_number_blocks_scope", "number_blocks", ["authority", "act", "year"])


def downgrade() -> None:
    op.drop_index("ix_number_blocks_scope", "number_blocks")
    with op.batch_alter_table("number_blocks") as batch:
        batch.drop_column("server")
        batch.drop_column("leased_at")
