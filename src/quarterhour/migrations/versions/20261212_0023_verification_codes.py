"""one-time codes for self-service intake (hashed, counted per phone and per caller); a contact
the system took (self-service) has no staff member

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.alter_column("taken_by_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "verification_code",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_for", sa.String(length=140), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_code")),
    )
    op.create_index(
        op.f("ix_verification_code_created_at"), "verification_code", ["created_at"], unique=False
    )
    op.create_index(
        "ix_verification_code_phone_created_at",
        "verification_code",
        ["phone", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_verification_code_caller_created_at",
        "verification_code",
        ["caller", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_verification_code_caller_created_at", table_name="verification_code")
    op.drop_index("ix_verification_code_phone_created_at", table_name="verification_code")
    op.drop_index(op.f("ix_verification_code_created_at"), table_name="verification_code")
    op.drop_table("verification_code")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.alter_column("taken_by_id", existing_type=sa.Integer(), nullable=False)
