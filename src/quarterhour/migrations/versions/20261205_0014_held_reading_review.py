"""held readings are reviewed (accept, correct, void) with a history; a corrected reading names
the one it supersedes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_READING_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("held_reading") as batch:
        batch.add_column(sa.Column("decision", sa.String(length=8), nullable=True))
        batch.create_check_constraint(
            op.f("ck_held_reading_decision_known"), "decision in ('accept','correct','void')"
        )
    with op.batch_alter_table("meter_reading") as batch:
        batch.add_column(sa.Column("corrects_id", _READING_ID, nullable=True))
        batch.create_foreign_key(
            op.f("fk_meter_reading_corrects_id_meter_reading"),
            "meter_reading",
            ["corrects_id"],
            ["id"],
        )
    op.create_table(
        "reading_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_reading_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("reading_id", _READING_ID, nullable=True),
        sa.Column("new_reading_id", _READING_ID, nullable=True),
        sa.Column("total_before", sa.Numeric(14, 2), nullable=True),
        sa.Column("total_after", sa.Numeric(14, 2), nullable=True),
        sa.Column("kwh_before", sa.Numeric(14, 2), nullable=True),
        sa.Column("kwh_after", sa.Numeric(14, 2), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision in ('accept','correct','void')",
            name=op.f("ck_reading_review_decision_known"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_reading_review_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["held_reading_id"],
            ["held_reading.id"],
            name=op.f("fk_reading_review_held_reading_id_held_reading"),
        ),
        sa.ForeignKeyConstraint(
            ["reading_id"],
            ["meter_reading.id"],
            name=op.f("fk_reading_review_reading_id_meter_reading"),
        ),
        sa.ForeignKeyConstraint(
            ["new_reading_id"],
            ["meter_reading.id"],
            name=op.f("fk_reading_review_new_reading_id_meter_reading"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["staff.id"], name=op.f("fk_reading_review_reviewed_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_review")),
    )
    op.create_index(
        op.f("ix_reading_review_account_id"), "reading_review", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_reading_review_held_reading_id"),
        "reading_review",
        ["held_reading_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reading_review_held_reading_id"), table_name="reading_review")
    op.drop_index(op.f("ix_reading_review_account_id"), table_name="reading_review")
    op.drop_table("reading_review")
    with op.batch_alter_table("meter_reading") as batch:
        batch.drop_constraint(
            op.f("fk_meter_reading_corrects_id_meter_reading"), type_="foreignkey"
        )
        batch.drop_column("corrects_id")
    with op.batch_alter_table("held_reading") as batch:
        batch.drop_constraint(op.f("ck_held_reading_decision_known"), type_="check")
        batch.drop_column("decision")
