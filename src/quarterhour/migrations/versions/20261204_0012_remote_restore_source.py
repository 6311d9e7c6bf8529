"""the remote-area restoration limit names its source as the utility's own rule, in Chinese

The time-limit policy installed by 0001's defaults cited "(Quarter Hour 默认)", a product name
that staff and the public disclosure page should never show. The limit is the utility's own
rule like the others without a published source (本单位规定).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "特殊边远地区恢复供电时限未公布, 按农村4小时执行 (Quarter Hour 默认)"
NEW = "本单位规定: 特殊边远地区恢复供电时限未公布，按农村4小时执行"


def upgrade() -> None:
    op.execute(
        sa.text("UPDATE time_limit SET source = :new WHERE source = :old").bindparams(
            new=NEW, old=OLD
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE time_limit SET source = :old WHERE source = :new").bindparams(
            new=NEW, old=OLD
        )
    )
