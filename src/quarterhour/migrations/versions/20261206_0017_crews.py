"""repair crews and vehicles: members, the duty roster, status with its history, last position

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crew",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Numeric(9, 6), nullable=True),
        sa.Column("longitude", sa.Numeric(9, 6), nullable=True),
        sa.Column("position_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status in ('available','en_route','on_site','off_duty')",
            name=op.f("ck_crew_status_known"),
        ),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_crew_latitude_range")),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name=op.f("ck_crew_longitude_range")),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL) AND (latitude IS NULL) = "
            "(position_reported_at IS NULL)",
            name=op.f("ck_crew_position_whole"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_crew_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew")),
        sa.UniqueConstraint("code", name=op.f("uq_crew_code")),
    )
    op.create_index(op.f("ix_crew_department_id"), "crew", ["department_id"], unique=False)
    op.create_table(
        "crew_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("is_leader", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crew_id"], ["crew.id"], name=op.f("fk_crew_member_crew_id_crew"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_crew_member_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew_member")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_crew_member_staff_id")),
    )
    op.create_index(op.f("ix_crew_member_crew_id"), "crew_member", ["crew_id"], unique=False)
    op.create_table(
        "vehicle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind in ('repair','live_line','lift')", name=op.f("ck_vehicle_kind_known")
        ),
        sa.ForeignKeyConstraint(["crew_id"], ["crew.id"], name=op.f("fk_vehicle_crew_id_crew")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle")),
        sa.UniqueConstraint("plate", name=op.f("uq_vehicle_plate")),
    )
    op.create_index(op.f("ix_vehicle_crew_id"), "vehicle", ["crew_id"], unique=False)
    op.create_table(
        "crew_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_crew_shift_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["crew_id"], ["crew.id"], name=op.f("fk_crew_shift_crew_id_crew"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_crew_shift_created_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew_shift")),
    )
    op.create_index("ix_crew_shift_crew_starts", "crew_shift", ["crew_id", "starts_at"])
    op.create_index("ix_crew_shift_starts_ends", "crew_shift", ["starts_at", "ends_at"])
    op.create_table(
        "crew_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["crew_id"],
            ["crew.id"],
            name=op.f("fk_crew_status_change_crew_id_crew"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["staff.id"], name=op.f("fk_crew_status_change_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew_status_change")),
    )
    op.create_index("ix_crew_status_change_crew", "crew_status_change", ["crew_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_crew_status_change_crew", table_name="crew_status_change")
    op.drop_table("crew_status_change")
    op.drop_index("ix_crew_shift_starts_ends", table_name="crew_shift")
    op.drop_index("ix_crew_shift_crew_starts", table_name="crew_shift")
    op.drop_table("crew_shift")
    op.drop_index(op.f("ix_vehicle_crew_id"), table_name="vehicle")
    op.drop_table("vehicle")
    op.drop_index(op.f("ix_crew_member_crew_id"), table_name="crew_member")
    op.drop_table("crew_member")
    op.drop_index(op.f("ix_crew_department_id"), table_name="crew")
    op.drop_table("crew")
