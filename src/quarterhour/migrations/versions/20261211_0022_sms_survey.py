"""the SMS satisfaction survey: how long an order's survey waits for its answer, and the texts
customers send back

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_order") as batch:
        batch.add_column(sa.Column("sms_survey_until", sa.DateTime(timezone=True), nullable=True))
    # A follow-up answered by the customer's SMS was made by no member of staff.
    with op.batch_alter_table("follow_up") as batch:
        batch.alter_column("by_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "inbound_sms",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
            name=op.f("fk_inbound_sms_work_order_id_work_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_sms")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_inbound_sms_provider_id")),
    )
    op.create_index(
        "ix_inbound_sms_sender_received", "inbound_sms", ["sender", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_sms_sender_received", table_name="inbound_sms")
    op.drop_table("inbound_sms")
    op.execute("DELETE FROM follow_up WHERE by_id IS NULL")
    with op.batch_alter_table("follow_up") as batch:
        batch.alter_column("by_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("work_order") as batch:
        batch.drop_column("sms_survey_until")
