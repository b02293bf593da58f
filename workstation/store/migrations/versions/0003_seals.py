"""Electronic seals, approvers' categories and document signatures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seals",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("category", sa.String(10), nullable=False),
        sa.Column("algorithm", sa.String(12), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("private_key_blob", sa.LargeBinary(), nullable=True),
        sa.Column("certificate", sa.JSON(), nullable=False),
        sa.Column("image_png", sa.LargeBinary(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_seals_category", "seals", ["category"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("categories", sa.String(100), nullable=False, server_default=""))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("seal_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("digest", sa.String(100), nullable=True))
        batch.add_column(sa.Column("signature", sa.String(200), nullable=True))
        batch.add_column(sa.Column("signed_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key("fk_documents_seal_id", "seals", ["seal_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("fk_documents_seal_id", type_="foreignkey")
        batch.drop_column("signed_at")
        batch.drop_column("signature")
        batch.drop_column("digest")
        batch.drop_column("seal_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("categories")
    op.drop_index("ix_seals_category", "seals")
    op.drop_table("seals")
