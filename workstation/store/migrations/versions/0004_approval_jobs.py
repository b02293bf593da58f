"""Bulk approval jobs and their items.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_login", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "approval_job_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.String(32), sa.ForeignKey("approval_jobs.id"), nullable=False),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("document_no", sa.String(60), nullable=True),
    )
    op.create_index("ix_approval_job_items_job_id", "approval_job_items", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_approval_job_items_job_id", "approval_job_items")
    op.drop_table("approval_job_items")
    op.drop_table("approval_jobs")
