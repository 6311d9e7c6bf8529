"""late-fee rules as versions with their sources

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "late_fee_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("residential_rate", sa.Numeric(8, 6), nullable=False),
        sa.Column("current_year_rate", sa.Numeric(8, 6), nullable=False),
        sa.Column("earlier_years_rate", sa.Numeric(8, 6), nullable=False),
        sa.Column("minimum_fee", sa.Numeric(14, 2), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "residential_rate >= 0 AND current_year_rate >= 0 AND earlier_years_rate >= 0"
            " AND residential_rate < 1 AND current_year_rate < 1 AND earlier_years_rate < 1",
            name=op.f("ck_late_fee_rule_rates_are_fractions"),
        ),
        sa.CheckConstraint("minimum_fee >= 0", name=op.f("ck_late_fee_rule_minimum_not_negative")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_late_fee_rule_created_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_fee_rule")),
        sa.UniqueConstraint("effective_from", name=op.f("uq_late_fee_rule_effective_from")),
    )


def downgrade() -> None:
    op.drop_table("late_fee_rule")
