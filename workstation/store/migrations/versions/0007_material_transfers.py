"""Station mode: 材料流转单, the paper of entrusted acceptances handed to the centre.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "material_transfers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("station", sa.String(20), nullable=False),
        sa.Column("terminal", sa.String(3), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("carrier", sa.String(50), nullable=False),
        sa.Column("sent_by", sa.String(64), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("received_by", sa.String(64), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
    )
    op.create_index("ix_material_transfers_station", "material_transfers", ["station"])
    op.create_index("ix_material_transfers_status", "material_transfers", ["status"])
    op.create_table(
        "material_transfer_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("transfer_id", sa.String(32), sa.ForeignKey("material_transfers.id"),
                  nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("receipt_no", sa.String(40), nullable=False),
        sa.Column("materials", sa.Integer(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
    )
    op.create_index("ix_material_transfer_items_transfer_id", "material_transfer_items",
                    ["transfer_id"])
    op.create_index("ix_material_transfer_items_case_id", "material_transfer_items", ["case_id"])
    # A case's paper is on one live slip at most, whichever terminal or window packs it.
    op.create_index("ux_transfer_items_live_case", "material_transfer_items", ["case_id"],
                    unique=True, sqlite_where=sa.text("state IN ('pending', 'received')"))


def downgrade() -> None:
    op.drop_index("ux_transfer_items_live_case", "material_transfer_items")
    op.drop_index("ix_material_transfer_items_case_id", "material_transfer_items")
    op.drop_index("ix_material_transfer_items_transfer_id", "material_transfer_items")
    op.drop_table("material_transfer_items")
    op.drop_index("ix_material_transfers_status", "material_transfers")
    op.drop_index("ix_material_transfers_station", "material_transfers")
    op.drop_table("material_transfers")
