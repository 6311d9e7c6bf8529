"""a job stopped when its server shut down

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_constraint(op.f("ck_job_status_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_job_status_known"), "status in ('running','done','failed','stopped')"
        )


def downgrade() -> None:
    op.execute("UPDATE job SET status = 'failed' WHERE status = 'stopped'")
    with op.batch_alter_table("job") as batch:
        batch.drop_constraint(op.f("ck_job_status_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_job_status_known"), "status in ('running','done','failed')"
        )
