"""a wrong meter reading is voided (who, when, why), and another may take its day

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meter_reading") as batch:
        batch.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("voided_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.String(length=200), nullable=True))
        batch.create_foreign_key(
            op.f("fk_meter_reading_voided_by_id_staff"), "staff", ["voided_by_id"], ["id"]
        )
        batch.drop_constraint(op.f("uq_meter_reading_meter_id_read_on_kind"), type_="unique")
    op.create_index(
        "uq_meter_reading_in_force",
        "meter_reading",
        ["meter_id", "read_on", "kind"],
        unique=True,
        postgresql_where=sa.text("voided_at IS NULL"),
        sqlite_where=sa.text("voided_at IS NULL"),
    )


def downgrade() -> None:
    # Voided readings leave with the columns that say so: what stays is the readings in force.
    op.execute("DELETE FROM meter_reading WHERE voided_at IS NOT NULL")
    op.drop_index("uq_meter_reading_in_force", table_name="meter_reading")
    with op.batch_alter_table("meter_reading") as batch:
        batch.create_unique_constraint(
            op.f("uq_meter_reading_meter_id_read_on_kind"), ["meter_id", "read_on", "kind"]
        )
        batch.drop_constraint(op.f("fk_meter_reading_voided_by_id_staff"), type_="foreignkey")
        batch.drop_column("void_reason")
        batch.drop_column("voided_by_id")
        batch.drop_column("voided_at")
