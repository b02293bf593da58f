"""Output window: deliveries (pickup or mail) and the legal representative's ID.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy would drop the triggers on applicants.
    op.add_column("applicants", sa.Column("legal_rep_id", sa.String(30), nullable=False,
                                          server_default=""))
    op.create_table(
        "deliveries",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("collector_name", sa.String(50), nullable=False),
        sa.Column("collector_id", sa.String(30), nullable=False),
        sa.Column("collector_role", sa.String(12), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("recipient_name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("province", sa.String(20), nullable=False),
        sa.Column("city", sa.String(30), nullable=False),
        sa.Column("district", sa.String(30), nullable=False),
        sa.Column("adcode", sa.String(6), nullable=False),
        sa.Column("address_detail", sa.String(200), nullable=False),
        sa.Column("postcode", sa.String(6), nullable=False),
        sa.Column("waybill", sa.String(13), nullable=True, unique=True),
        sa.Column("mailed_on", sa.Date(), nullable=True),
        sa.Column("document_no", sa.String(60), nullable=True),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_deliveries_mailed_on", "deliveries", ["mailed_on"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_mailed_on", "deliveries")
    op.drop_table("deliveries")
    # SQLite's own DROP COLUMN (3.35+): a batch copy of applicants would break the
    # foreign keys that point at it.
    op.execute("ALTER TABLE applicants DROP COLUMN legal_rep_id")
