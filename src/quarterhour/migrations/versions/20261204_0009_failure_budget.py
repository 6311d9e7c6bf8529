"""failure budgets shared by every worker (public lookups, logins)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "failure_budget",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_ends", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_failure_budget")),
    )
    op.create_index(
        op.f("ix_failure_budget_window_ends"), "failure_budget", ["window_ends"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_failure_budget_window_ends"), table_name="failure_budget")
    op.drop_table("failure_budget")
