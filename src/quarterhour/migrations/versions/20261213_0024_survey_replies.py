"""the survey a customer's text answered: replies counted per survey, and by their time

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-13
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_sms") as batch:
        batch.add_column(
            sa.Column(
                "survey_message_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch.create_foreign_key(
            batch.f("fk_inbound_sms_survey_message_id_outbox_message"),
            "outbox_message",
            ["survey_message_id"],
            ["id"],
        )
    op.create_index("ix_inbound_sms_received_at", "inbound_sms", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbound_sms_received_at", table_name="inbound_sms")
    with op.batch_alter_table("inbound_sms") as batch:
        batch.drop_constraint(
            batch.f("fk_inbound_sms_survey_message_id_outbox_message"), type_="foreignkey"
        )
        batch.drop_column("survey_message_id")
