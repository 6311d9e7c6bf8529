"""claimed times kept apart from entry times; when the work was last sent to its department;
a connection's clock paused while the customer has to act; the figures' index covers the
sub-type (a complaint's class)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The quality figures read only this index on PostgreSQL (an index-only scan); they now group
# by sub-type too (complaint classes), so it carries the column.
_ACCEPTED_INCLUDE = [
    "order_type",
    "department_id",
    "district_id",
    "state",
    "closed_on_intake",
    "follow_up_required",
    "replied_at",
    "follow_up_outcome",
    "answered_follow_ups",
    "satisfied_follow_ups",
    "is_overdue",
    "rework_count",
    "due_at",
]


def _accepted_index(include: list[str]) -> None:
    with op.batch_alter_table("work_order") as batch:
        batch.drop_index("ix_work_order_accepted")
        batch.create_index(
            "ix_work_order_accepted", ["accepted_at"], unique=False, postgresql_include=include
        )


def upgrade() -> None:
    with op.batch_alter_table("order_event") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("work_order") as batch:
        batch.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("deadline") as batch:
        batch.add_column(
            sa.Column("paused_working_days", sa.Integer(), server_default="0", nullable=False)
        )
    _accepted_index(["order_type", "subtype", *_ACCEPTED_INCLUDE[1:]])


def downgrade() -> None:
    _accepted_index(_ACCEPTED_INCLUDE)
    with op.batch_alter_table("deadline") as batch:
        batch.drop_column("paused_working_days")
    with op.batch_alter_table("work_order") as batch:
        batch.drop_column("paused_at")
        batch.drop_column("dispatched_at")
    with op.batch_alter_table("order_event") as batch:
        batch.drop_column("claimed_at")
