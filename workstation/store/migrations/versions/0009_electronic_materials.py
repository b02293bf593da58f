"""Electronic materials: stored page files (content-addressed by SHA-256), the ordered
pages of each case material, and each material's validity, reuse origin and check.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mime", sa.String(20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("dpi", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "material_pages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_material_id", sa.Integer(), sa.ForeignKey("case_materials.id"),
                  nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("page_files.sha256"), nullable=False),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("captured_by", sa.String(64), nullable=False),
        sa.Column("captured_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_material_id", "seq"),
    )
    op.create_index("ix_material_pages_case_material_id", "material_pages", ["case_material_id"])
    op.create_index("ix_material_pages_sha256", "material_pages", ["sha256"])
    op.create_table(
        "electronic_materials",
        sa.Column("case_material_id", sa.Integer(), sa.ForeignKey("case_materials.id"),
                  primary_key=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("reused_from", sa.Integer(), sa.ForeignKey("case_materials.id"), nullable=True),
        sa.Column("check_state", sa.String(12), nullable=False),
        sa.Column("checked_by", sa.String(64), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("check_note", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("electronic_materials")
    op.drop_index("ix_material_pages_sha256", "material_pages")
    op.drop_index("ix_material_pages_case_material_id", "material_pages")
    op.drop_table("material_pages")
    op.drop_table("page_files")
