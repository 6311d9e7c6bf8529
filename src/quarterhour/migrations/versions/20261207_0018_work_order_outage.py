"""work order outage: a fault call linked to the outage covering the caller

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outage_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_work_order_outage_id"), ["outage_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_work_order_outage_id_outage"), "outage", ["outage_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_work_order_outage_id_outage"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_work_order_outage_id"))
        batch_op.drop_column("outage_id")
