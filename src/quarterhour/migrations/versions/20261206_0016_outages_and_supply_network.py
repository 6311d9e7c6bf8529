"""outages and the supply network: feeders (线路), transformer areas (台区), which transformer
supplies each premises, outages with their scope, notices and history

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

`outage_transformer` carries each outage's window (begins_at, ends_at) so that the lookup "is
this premises out now?" reads one range of ix_outage_transformer_window.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_restoration_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind in ('planned','temporary','fault')", name=op.f("ck_outage_kind_known")
        ),
        sa.CheckConstraint(
            "state in ('planned','announced','active','restored','cancelled')",
            name=op.f("ck_outage_state_known"),
        ),
        sa.CheckConstraint(
            "expected_restoration_at > starts_at", name=op.f("ck_outage_restoration_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_outage_created_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage")),
    )
    op.create_index(op.f("ix_outage_state_starts"), "outage", ["state", "starts_at"])

    op.create_table(
        "feeder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_feeder_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batch.id"],
            name=op.f("fk_feeder_import_batch_id_import_batch"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeder")),
        sa.UniqueConstraint("code", name=op.f("uq_feeder_code")),
    )
    op.create_index(op.f("ix_feeder_district_id"), "feeder", ["district_id"])

    op.create_table(
        "outage_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outage_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_state", sa.String(length=10), nullable=True),
        sa.Column("to_state", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_outage_event_actor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["outage_id"], ["outage.id"], name=op.f("fk_outage_event_outage_id_outage")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage_event")),
    )
    op.create_index(op.f("ix_outage_event_outage"), "outage_event", ["outage_id", "id"])

    op.create_table(
        "outage_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outage_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_restoration_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["outage_id"], ["outage.id"], name=op.f("fk_outage_notice_outage_id_outage")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["staff.id"], name=op.f("fk_outage_notice_published_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage_notice")),
    )
    op.create_index(op.f("ix_outage_notice_outage_id"), "outage_notice", ["outage_id"])

    op.create_table(
        "outage_feeder",
        sa.Column("outage_id", sa.Integer(), nullable=False),
        sa.Column("feeder_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feeder_id"], ["feeder.id"], name=op.f("fk_outage_feeder_feeder_id_feeder")
        ),
        sa.ForeignKeyConstraint(
            ["outage_id"], ["outage.id"], name=op.f("fk_outage_feeder_outage_id_outage")
        ),
        sa.PrimaryKeyConstraint("outage_id", "feeder_id", name=op.f("pk_outage_feeder")),
    )
    op.create_index(op.f("ix_outage_feeder_feeder_id"), "outage_feeder", ["feeder_id"])

    op.create_table(
        "transformer_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("feeder_id", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "latitude between -90 and 90", name=op.f("ck_transformer_area_latitude_range")
        ),
        sa.CheckConstraint(
            "longitude between -180 and 180", name=op.f("ck_transformer_area_longitude_range")
        ),
        sa.ForeignKeyConstraint(
            ["feeder_id"], ["feeder.id"], name=op.f("fk_transformer_area_feeder_id_feeder")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batch.id"],
            name=op.f("fk_transformer_area_import_batch_id_import_batch"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transformer_area")),
        sa.UniqueConstraint("code", name=op.f("uq_transformer_area_code")),
    )
    op.create_index(op.f("ix_transformer_area_feeder_id"), "transformer_area", ["feeder_id"])

    op.create_table(
        "outage_transformer",
        sa.Column("outage_id", sa.Integer(), nullable=False),
        sa.Column("transformer_id", sa.Integer(), nullable=False),
        sa.Column("begins_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["outage_id"], ["outage.id"], name=op.f("fk_outage_transformer_outage_id_outage")
        ),
        sa.ForeignKeyConstraint(
            ["transformer_id"],
            ["transformer_area.id"],
            name=op.f("fk_outage_transformer_transformer_id_transformer_area"),
        ),
        sa.PrimaryKeyConstraint("outage_id", "transformer_id", name=op.f("pk_outage_transformer")),
    )
    op.create_index(
        op.f("ix_outage_transformer_window"),
        "outage_transformer",
        ["transformer_id", "begins_at", "ends_at"],
    )

    op.create_table(
        "premises_supply",
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("transformer_id", sa.Integer(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batch.id"],
            name=op.f("fk_premises_supply_import_batch_id_import_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["premises.id"], name=op.f("fk_premises_supply_premises_id_premises")
        ),
        sa.ForeignKeyConstraint(
            ["transformer_id"],
            ["transformer_area.id"],
            name=op.f("fk_premises_supply_transformer_id_transformer_area"),
        ),
        sa.PrimaryKeyConstraint("premises_id", name=op.f("pk_premises_supply")),
    )
    op.create_index(
        op.f("ix_premises_supply_transformer_id"), "premises_supply", ["transformer_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_premises_supply_transformer_id"), table_name="premises_supply")
    op.drop_table("premises_supply")
    op.drop_index(op.f("ix_outage_transformer_window"), table_name="outage_transformer")
    op.drop_table("outage_transformer")
    op.drop_index(op.f("ix_transformer_area_feeder_id"), table_name="transformer_area")
    op.drop_table("transformer_area")
    op.drop_index(op.f("ix_outage_feeder_feeder_id"), table_name="outage_feeder")
    op.drop_table("outage_feeder")
    op.drop_index(op.f("ix_outage_notice_outage_id"), table_name="outage_notice")
    op.drop_table("outage_notice")
    op.drop_index(op.f("ix_outage_event_outage"), table_name="outage_event")
    op.drop_table("outage_event")
    op.drop_index(op.f("ix_feeder_district_id"), table_name="feeder")
    op.drop_table("feeder")
    op.drop_index(op.f("ix_outage_state_starts"), table_name="outage")
    op.drop_table("outage")
