"""customers meters billing

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tariff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("is_verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff")),
        sa.UniqueConstraint("code", name=op.f("uq_tariff_code")),
    )
    op.create_table(
        "premises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("area_class", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "area_class in ('urban','rural','remote')", name=op.f("ck_premises_area_class_known")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_premises_district_id_district")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premises")),
    )
    with op.batch_alter_table("premises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_premises_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_premises_district_id"), ["district_id"], unique=False)

    op.create_table(
        "tariff_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("tier_mode", sa.String(length=8), nullable=False),
        sa.Column("flat_price", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("tier1_limit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("tier2_limit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("tier2_surcharge", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("tier3_surcharge", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("peak_price", sa.Numeric(precision=10, scale=4), nullable=True),
        sa.Column("valley_price", sa.Numeric(precision=10, scale=4), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "tier_mode in ('none','monthly','annual')",
            name=op.f("ck_tariff_version_tier_mode_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"], ["tariff.id"], name=op.f("fk_tariff_version_tariff_id_tariff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_version")),
        sa.UniqueConstraint(
            "tariff_id", "effective_from", name=op.f("uq_tariff_version_tariff_id_effective_from")
        ),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("phone_last4", sa.String(length=4), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category in ('residential','non_residential')", name=op.f("ck_account_category_known")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_account_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["premises.id"], name=op.f("fk_account_premises_id_premises")
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"], ["tariff.id"], name=op.f("fk_account_tariff_id_tariff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("number", name=op.f("uq_account_number")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_premises_id"), ["premises_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_tariff_id"), ["tariff_id"], unique=False)

    op.create_table(
        "bill_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("replaced", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status in ('running','done','failed')", name=op.f("ck_bill_run_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_bill_run_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["staff.id"], name=op.f("fk_bill_run_started_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_run")),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["staff.id"], name=op.f("fk_import_batch_by_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
        sa.UniqueConstraint("kind", "sha256", name=op.f("uq_import_batch_kind_sha256")),
    )
    op.create_table(
        "meter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("multiplier", sa.Integer(), nullable=False),
        sa.Column("digits", sa.SmallInteger(), nullable=False),
        sa.Column("is_time_of_use", sa.Boolean(), nullable=False),
        sa.Column("is_shared", sa.Boolean(), nullable=False),
        sa.Column("installed_on", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column(
            "work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.CheckConstraint("digits between 4 and 10", name=op.f("ck_meter_digits_range")),
        sa.CheckConstraint("multiplier > 0", name=op.f("ck_meter_multiplier_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_meter_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_meter_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter")),
        sa.UniqueConstraint("number", name=op.f("uq_meter_number")),
    )
    with op.batch_alter_table("meter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meter_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meter_work_order_id"), ["work_order_id"], unique=False)

    op.create_table(
        "payment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("taken_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel in ('counter','bank','online')", name=op.f("ck_payment_channel_known")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_payment_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["taken_by_id"], ["staff.id"], name=op.f("fk_payment_taken_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_reference")),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_account_id"), ["account_id"], unique=False)

    op.create_table(
        "bill",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("kwh", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("year_kwh", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_bill_account_id_account")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["bill_run.id"], name=op.f("fk_bill_run_id_bill_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill")),
        sa.UniqueConstraint("account_id", "period", name=op.f("uq_bill_account_id_period")),
    )
    with op.batch_alter_table("bill", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bill_run_id"), ["run_id"], unique=False)

    op.create_table(
        "held_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "reason in ('negative','missing','implausible','no_tariff')",
            name=op.f("ck_held_reading_reason_known"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_held_reading_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["staff.id"], name=op.f("fk_held_reading_resolved_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["bill_run.id"], name=op.f("fk_held_reading_run_id_bill_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_reading")),
        sa.UniqueConstraint(
            "account_id", "period", "reason", name=op.f("uq_held_reading_account_id_period_reason")
        ),
    )
    with op.batch_alter_table("held_reading", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_held_reading_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "meter_household",
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meter.id"], name=op.f("fk_meter_household_meter_id_meter")
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["premises.id"], name=op.f("fk_meter_household_premises_id_premises")
        ),
        sa.PrimaryKeyConstraint("meter_id", "premises_id", name=op.f("pk_meter_household")),
    )
    with op.batch_alter_table("meter_household", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meter_household_premises_id"), ["premises_id"], unique=False
        )

    op.create_table(
        "meter_reading",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("peak", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("valley", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("previous_total", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("previous_peak", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("previous_valley", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("rolled_over", sa.Boolean(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind in ('regular','initial','final')", name=op.f("ck_meter_reading_kind_known")
        ),
        sa.CheckConstraint(
            "source in ('actual','estimated')", name=op.f("ck_meter_reading_source_known")
        ),
        sa.CheckConstraint("total >= 0", name=op.f("ck_meter_reading_total_non_negative")),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batch.id"],
            name=op.f("fk_meter_reading_import_batch_id_import_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meter.id"], name=op.f("fk_meter_reading_meter_id_meter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_reading")),
        sa.UniqueConstraint(
            "meter_id", "read_on", "kind", name=op.f("uq_meter_reading_meter_id_read_on_kind")
        ),
    )
    with op.batch_alter_table("meter_reading", schema=None) as batch_op:
        batch_op.create_index("ix_meter_reading_period", ["period", "meter_id"], unique=False)

    op.create_table(
        "bill_line",
        sa.Column("bill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("kwh", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bill.id"], name=op.f("fk_bill_line_bill_id_bill"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("bill_id", "line_no", name=op.f("pk_bill_line")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_number", sa.String(length=18), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # Partial-address search (拱辰街99号) at a million addresses: LIKE '%…%' through trigrams.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_premises_address_trgm ON premises USING gin (address gin_trgm_ops)"
        )
        op.execute(
            "CREATE INDEX ix_customer_address_trgm ON customer USING gin (address gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customer_address_trgm")
        op.execute("DROP INDEX IF EXISTS ix_premises_address_trgm")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("id_number")

    op.drop_table("bill_line")
    with op.batch_alter_table("meter_reading", schema=None) as batch_op:
        batch_op.drop_index("ix_meter_reading_period")

    op.drop_table("meter_reading")
    with op.batch_alter_table("meter_household", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meter_household_premises_id"))

    op.drop_table("meter_household")
    with op.batch_alter_table("held_reading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_reading_account_id"))

    op.drop_table("held_reading")
    with op.batch_alter_table("bill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bill_run_id"))

    op.drop_table("bill")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_account_id"))

    op.drop_table("payment")
    with op.batch_alter_table("meter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meter_work_order_id"))
        batch_op.drop_index(batch_op.f("ix_meter_account_id"))

    op.drop_table("meter")
    op.drop_table("import_batch")
    op.drop_table("bill_run")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_tariff_id"))
        batch_op.drop_index(batch_op.f("ix_account_premises_id"))
        batch_op.drop_index(batch_op.f("ix_account_phone"))
        batch_op.drop_index(batch_op.f("ix_account_customer_id"))

    op.drop_table("account")
    op.drop_table("tariff_version")
    with op.batch_alter_table("premises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_premises_district_id"))
        batch_op.drop_index(batch_op.f("ix_premises_address"))

    op.drop_table("premises")
    op.drop_table("tariff")
