"""closed loop foundation

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
    )
    op.create_table(
        "district",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district")),
        sa.UniqueConstraint("code", name=op.f("uq_district_code")),
    )
    op.create_table(
        "episode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("air_date", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("is_special", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode")),
        sa.UniqueConstraint("air_date", name=op.f("uq_episode_air_date")),
        sa.UniqueConstraint("number", name=op.f("uq_episode_number")),
    )
    op.create_table(
        "time_limit_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_limit_policy")),
        sa.UniqueConstraint("code", name=op.f("uq_time_limit_policy_code")),
    )
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f("ck_calendar_day_kind")),
        sa.ForeignKeyConstraint(
            ["year"], ["calendar_year.year"], name=op.f("fk_calendar_day_year_calendar_year")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_day_year"), ["year"], unique=False)

    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("phone_last4", sa.String(length=4), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_customer_district_id_district")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_phone"), ["phone"], unique=False)
        batch_op.create_index("ix_customer_phone_last4", ["phone_last4"], unique=False)

    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_department_district_id_district")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("code", name=op.f("uq_department_code")),
    )
    op.create_table(
        "follow_up_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("order_type", sa.String(length=32), nullable=False),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["time_limit_policy.id"],
            name=op.f("fk_follow_up_rule_policy_id_time_limit_policy"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_rule")),
        sa.UniqueConstraint(
            "policy_id", "order_type", name=op.f("uq_follow_up_rule_policy_id_order_type")
        ),
    )
    op.create_table(
        "time_limit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("order_type", sa.String(length=32), nullable=False),
        sa.Column("subtype", sa.String(length=32), nullable=True),
        sa.Column("area_class", sa.String(length=8), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "unit in ('minutes','hours','working_days')", name=op.f("ck_time_limit_unit_known")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_time_limit_amount_positive")),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["time_limit_policy.id"],
            name=op.f("fk_time_limit_policy_id_time_limit_policy"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_limit")),
        sa.UniqueConstraint(
            "policy_id",
            "order_type",
            "subtype",
            "area_class",
            "kind",
            name=op.f("uq_time_limit_policy_id_order_type_subtype_area_class_kind"),
        ),
    )
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_type", sa.String(length=32), nullable=False),
        sa.Column("subtype", sa.String(length=32), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_routing_rule_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_routing_rule_district_id_district")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
    )
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.create_index(
            "ix_routing_rule_lookup", ["order_type", "subtype", "district_id"], unique=False
        )

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role in ('duty_agent','dispatcher','handler','follow_up_agent','supervisor','admin')",
            name=op.f("ck_staff_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_staff_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_username")),
    )
    # department.supervisor_id and staff.department_id reference each other.
    with op.batch_alter_table("department") as batch_op:
        batch_op.create_foreign_key(
            "fk_department_supervisor_id_staff", "staff", ["supervisor_id"], ["id"]
        )
    op.create_table(
        "api_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_api_token_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_api_token")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("caller_name", sa.String(length=64), nullable=True),
        sa.Column("caller_phone", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_contact_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episode.id"], name=op.f("fk_contact_episode_id_episode")
        ),
        sa.ForeignKeyConstraint(
            ["taken_by_id"], ["staff.id"], name=op.f("fk_contact_taken_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_contact_idempotency_key")),
        sa.UniqueConstraint("number", name=op.f("uq_contact_number")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_received_at"), ["received_at"], unique=False)

    op.create_table(
        "personal_data_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_personal_data_access_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_personal_data_access_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_access")),
    )
    with op.batch_alter_table("personal_data_access", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personal_data_access_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_personal_data_access_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "roster_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("duty", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_roster_entry_episode_id_episode"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_roster_entry_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_entry")),
        sa.UniqueConstraint(
            "episode_id", "staff_id", name=op.f("uq_roster_entry_episode_id_staff_id")
        ),
    )
    op.create_table(
        "work_order",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_type", sa.String(length=32), nullable=False),
        sa.Column("subtype", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_overdue", sa.Boolean(), nullable=False),
        sa.Column("is_escalated", sa.Boolean(), nullable=False),
        sa.Column("has_provisional_deadline", sa.Boolean(), nullable=False),
        sa.Column("rework_count", sa.Integer(), nullable=False),
        sa.Column("closed_on_intake", sa.Boolean(), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.Column("reply_method", sa.String(length=16), nullable=True),
        sa.Column("follow_up_required", sa.Boolean(), nullable=False),
        sa.Column("follow_up_attempts", sa.Integer(), nullable=False),
        sa.Column("follow_up_outcome", sa.String(length=24), nullable=True),
        sa.Column("answered_follow_ups", sa.Integer(), server_default="0", nullable=False),
        sa.Column("satisfied_follow_ups", sa.Integer(), server_default="0", nullable=False),
        sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("area_class", sa.String(length=8), nullable=True),
        sa.Column("crew", sa.String(length=100), nullable=True),
        sa.Column("crew_dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("rework_count >= 0", name=op.f("ck_work_order_rework_non_negative")),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff.id"], name=op.f("fk_work_order_assignee_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_work_order_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_work_order_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_work_order_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_work_order_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["replied_by_id"], ["staff.id"], name=op.f("fk_work_order_replied_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order")),
        sa.UniqueConstraint("number", name=op.f("uq_work_order_number")),
    )
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_order_accepted",
            ["accepted_at"],
            unique=False,
            postgresql_include=[
                "order_type",
                "department_id",
                "district_id",
                "state",
                "closed_on_intake",
                "follow_up_required",
                "replied_at",
                "follow_up_outcome",
                "answered_follow_ups",
                "satisfied_follow_ups",
                "is_overdue",
                "rework_count",
                "due_at",
            ],
        )
        batch_op.create_index(batch_op.f("ix_work_order_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_work_order_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_work_order_queue",
            ["department_id", "due_at", "id"],
            unique=False,
            postgresql_where=sa.text("state IN ('dispatched', 'acknowledged', 'in_progress')"),
            sqlite_where=sa.text("state IN ('dispatched', 'acknowledged', 'in_progress')"),
        )
        batch_op.create_index(
            "ix_work_order_state_queue",
            ["state", "due_at", "id"],
            unique=False,
            postgresql_where=sa.text("state NOT IN ('archived', 'cancelled')"),
            sqlite_where=sa.text("state NOT IN ('archived', 'cancelled')"),
        )

    op.create_table(
        "deadline",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_provisional", sa.Boolean(), nullable=False),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_order.id"],
            name=op.f("fk_deadline_order_id_work_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["time_limit_policy.id"],
            name=op.f("fk_deadline_policy_id_time_limit_policy"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline")),
        sa.UniqueConstraint("order_id", "kind", "seq", name=op.f("uq_deadline_order_id_kind_seq")),
    )
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deadline_provisional",
            ["order_id"],
            unique=False,
            postgresql_where=sa.text("is_provisional"),
            sqlite_where=sa.text("is_provisional"),
        )
        batch_op.create_index(
            "ix_deadline_to_escalate",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("met_at IS NULL AND escalated_at IS NULL"),
            sqlite_where=sa.text("met_at IS NULL AND escalated_at IS NULL"),
        )
        batch_op.create_index(
            "ix_deadline_to_warn",
            ["warn_at"],
            unique=False,
            postgresql_where=sa.text("met_at IS NULL AND warned_at IS NULL"),
            sqlite_where=sa.text("met_at IS NULL AND warned_at IS NULL"),
        )

    op.create_table(
        "follow_up",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["by_id"], ["staff.id"], name=op.f("fk_follow_up_by_id_staff")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_order.id"],
            name=op.f("fk_follow_up_order_id_work_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index("ix_follow_up_at", ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_order_event_actor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_order.id"],
            name=op.f("fk_order_event_order_id_work_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_event")),
    )
    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.create_index("ix_order_event_order", ["order_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("department") as batch_op:
        batch_op.drop_constraint("fk_department_supervisor_id_staff", type_="foreignkey")
    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.drop_index("ix_order_event_order")

    op.drop_table("order_event")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_order_id"))
        batch_op.drop_index("ix_follow_up_at")

    op.drop_table("follow_up")
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_deadline_to_warn",
            postgresql_where=sa.text("met_at IS NULL AND warned_at IS NULL"),
            sqlite_where=sa.text("met_at IS NULL AND warned_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_deadline_to_escalate",
            postgresql_where=sa.text("met_at IS NULL AND escalated_at IS NULL"),
            sqlite_where=sa.text("met_at IS NULL AND escalated_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_deadline_provisional",
            postgresql_where=sa.text("is_provisional"),
            sqlite_where=sa.text("is_provisional"),
        )

    op.drop_table("deadline")
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_work_order_state_queue",
            postgresql_where=sa.text("state NOT IN ('archived', 'cancelled')"),
            sqlite_where=sa.text("state NOT IN ('archived', 'cancelled')"),
        )
        batch_op.drop_index(
            "ix_work_order_queue",
            postgresql_where=sa.text("state IN ('dispatched', 'acknowledged', 'in_progress')"),
            sqlite_where=sa.text("state IN ('dispatched', 'acknowledged', 'in_progress')"),
        )
        batch_op.drop_index(batch_op.f("ix_work_order_customer_id"))
        batch_op.drop_index(batch_op.f("ix_work_order_contact_id"))
        batch_op.drop_index(
            "ix_work_order_accepted",
            postgresql_include=[
                "order_type",
                "department_id",
                "district_id",
                "state",
                "closed_on_intake",
                "follow_up_required",
                "replied_at",
                "follow_up_outcome",
                "answered_follow_ups",
                "satisfied_follow_ups",
                "is_overdue",
                "rework_count",
                "due_at",
            ],
        )

    op.drop_table("work_order")
    op.drop_table("roster_entry")
    with op.batch_alter_table("personal_data_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_data_access_staff_id"))
        batch_op.drop_index(batch_op.f("ix_personal_data_access_customer_id"))

    op.drop_table("personal_data_access")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_received_at"))
        batch_op.drop_index(batch_op.f("ix_contact_episode_id"))
        batch_op.drop_index(batch_op.f("ix_contact_customer_id"))

    op.drop_table("contact")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_staff_id"))

    op.drop_table("api_token")
    op.drop_table("staff")
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.drop_index("ix_routing_rule_lookup")

    op.drop_table("routing_rule")
    op.drop_table("time_limit")
    op.drop_table("follow_up_rule")
    op.drop_table("department")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_phone_last4")
        batch_op.drop_index(batch_op.f("ix_customer_phone"))

    op.drop_table("customer")
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_day_year"))

    op.drop_table("calendar_day")
    op.drop_table("time_limit_policy")
    op.drop_table("episode")
    op.drop_table("district")
    op.drop_table("calendar_year")
