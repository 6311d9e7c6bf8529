"""the search box (issue 13): part of an order's text, the start of a customer's name

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite reads its few orders through; neither index would serve LIKE there
    # Part of an order's title, address or description (停电, 拱辰街99号, a word the caller used)
    # among a million orders: trigrams over the three as one text. views/search.ORDER_TEXT
    # spells the same expression, so that the planner uses the index.
    op.execute(
        "CREATE INDEX ix_work_order_text_trgm ON work_order USING gin"
        " ((title || ' ' || coalesce(address, '') || ' ' || coalesce(description, ''))"
        " gin_trgm_ops)"
    )
    # The start of a customer's name (王建, 合肥市第一): a B-tree whose operator class compares
    # bytes, so that LIKE 'prefix%' is a range scan whatever the database's collation.
    op.execute("CREATE INDEX ix_customer_name_prefix ON customer (name varchar_pattern_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_customer_name_prefix")
    op.execute("DROP INDEX IF EXISTS ix_work_order_text_trgm")
