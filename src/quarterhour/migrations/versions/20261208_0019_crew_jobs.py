"""crew jobs (a crew sent to an order or an outage, its steps with positions), premises
coordinates, routing rules that dispatch fault repairs to the crew on duty

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crew_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=False),
        sa.Column(
            "work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("outage_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=12), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_by_id", sa.Integer(), nullable=True),
        sa.Column("chosen_by", sa.String(length=12), nullable=False),
        sa.Column("distance_km", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("departed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "step in ('dispatched','accepted','departed','arrived','restored','withdrawn')",
            name=op.f("ck_crew_job_step_known"),
        ),
        sa.CheckConstraint(
            "(work_order_id IS NULL) <> (outage_id IS NULL)",
            name=op.f("ck_crew_job_order_or_outage"),
        ),
        sa.ForeignKeyConstraint(["crew_id"], ["crew.id"], name=op.f("fk_crew_job_crew_id_crew")),
        sa.ForeignKeyConstraint(
            ["dispatched_by_id"], ["staff.id"], name=op.f("fk_crew_job_dispatched_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["outage_id"], ["outage.id"], name=op.f("fk_crew_job_outage_id_outage")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_crew_job_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew_job")),
    )
    with op.batch_alter_table("crew_job", schema=None) as batch_op:
        batch_op.create_index(
            "ix_crew_job_crew_step", ["crew_id", "step", "dispatched_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_crew_job_outage_id"), ["outage_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_crew_job_work_order_id"), ["work_order_id"], unique=False
        )

    op.create_table(
        "crew_job_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_crew_job_step_position_whole")
        ),
        sa.CheckConstraint(
            "latitude BETWEEN -90 AND 90", name=op.f("ck_crew_job_step_latitude_range")
        ),
        sa.CheckConstraint(
            "longitude BETWEEN -180 AND 180", name=op.f("ck_crew_job_step_longitude_range")
        ),
        sa.ForeignKeyConstraint(["by_id"], ["staff.id"], name=op.f("fk_crew_job_step_by_id_staff")),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["crew_job.id"],
            name=op.f("fk_crew_job_step_job_id_crew_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew_job_step")),
    )
    with op.batch_alter_table("crew_job_step", schema=None) as batch_op:
        batch_op.create_index("ix_crew_job_step_job", ["job_id", "id"], unique=False)

    with op.batch_alter_table("premises", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.create_check_constraint("latitude_range", "latitude BETWEEN -90 AND 90")
        batch_op.create_check_constraint("longitude_range", "longitude BETWEEN -180 AND 180")
        batch_op.create_check_constraint(
            "position_whole", "(latitude IS NULL) = (longitude IS NULL)"
        )

    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dispatch_to_crew", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.drop_column("dispatch_to_crew")

    with op.batch_alter_table("premises", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_premises_position_whole"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_premises_longitude_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_premises_latitude_range"), type_="check")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")

    with op.batch_alter_table("crew_job_step", schema=None) as batch_op:
        batch_op.drop_index("ix_crew_job_step_job")

    op.drop_table("crew_job_step")
    with op.batch_alter_table("crew_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crew_job_work_order_id"))
        batch_op.drop_index(batch_op.f("ix_crew_job_outage_id"))
        batch_op.drop_index("ix_crew_job_crew_step")

    op.drop_table("crew_job")
