"""durable jobs: a queue that worker processes claim with a lease (retries with backoff, dead
after max attempts, scheduled runs once per slot) and the uploaded file an import works on

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "status in ('queued','running','done','failed','dead','stopped','cancelled')"


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_constraint(op.f("ck_job_status_known"), type_="check")
        batch.alter_column("status", type_=sa.String(length=9), existing_type=sa.String(length=8))
        batch.add_column(sa.Column("run_after", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="5")
        )
        batch.add_column(sa.Column("locked_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("schedule_key", sa.String(length=120), nullable=True))
    op.execute("UPDATE job SET run_after = started_at, attempts = 1, claimed_at = started_at")
    with op.batch_alter_table("job") as batch:
        batch.alter_column("run_after", nullable=False, existing_type=sa.DateTime(timezone=True))
        batch.create_check_constraint(op.f("ck_job_status_known"), _STATUSES)
        batch.create_unique_constraint(op.f("uq_job_schedule_key"), ["schedule_key"])
    op.create_index("ix_job_due", "job", ["status", "run_after"])
    op.create_table(
        "job_upload",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_upload_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_upload")),
    )


def downgrade() -> None:
    op.drop_table("job_upload")
    op.drop_index("ix_job_due", table_name="job")
    op.execute("UPDATE job SET status = 'failed' WHERE status IN ('queued', 'dead', 'cancelled')")
    with op.batch_alter_table("job") as batch:
        batch.drop_constraint(op.f("uq_job_schedule_key"), type_="unique")
        batch.drop_constraint(op.f("ck_job_status_known"), type_="check")
        for column in (
            "schedule_key",
            "claimed_at",
            "locked_until",
            "locked_by",
            "max_attempts",
            "attempts",
            "run_after",
        ):
            batch.drop_column(column)
        batch.alter_column("status", type_=sa.String(length=8), existing_type=sa.String(length=9))
        batch.create_check_constraint(
            op.f("ck_job_status_known"), "status in ('running','done','failed','stopped')"
        )
