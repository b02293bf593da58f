"""Each acceptance keeps the applicant as recorded that day (issue 16, finding 10):
name, identity, legal representative, phone and address copied onto the acceptance.
Existing acceptances get the applicant's current record, the best that is known.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# (acceptances column, applicants column, length)
FIELDS = (("applicant_kind", "kind", 12), ("applicant_name", "name", 100),
          ("applicant_id_type", "id_type", 20), ("applicant_id_number", "id_number", 30),
          ("applicant_legal_rep", "legal_rep", 50), ("applicant_legal_rep_id", "legal_rep_id", 30),
          ("applicant_phone", "phone", 20), ("applicant_address", "address", 200))


def upgrade() -> None:
    for column, _, length in FIELDS:
        op.add_column("acceptances", sa.Column(column, sa.String(length), nullable=False,
                                               server_default=""))
    sets = ", ".join(f"{column} = coalesce(a.{source}, '')" for column, source, _ in FIELDS)
    op.execute(f"UPDATE acceptances SET {sets} FROM applicants a "
               "WHERE a.id = acceptances.applicant_id")
    op.create_index("ix_acceptances_applicant_name", "acceptances", ["applicant_name"])


def downgrade() -> None:
    op.drop_index("ix_acceptances_applicant_name", "acceptances")
    for column, _, _ in reversed(FIELDS):
        op.drop_column("acceptances", column)      # SQLite ≥ 3.35: no table rebuild
