"""The service centre, its departments, districts and staff (routing rules: `workorders.routing`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base


class DepartmentKind(StrEnum):
    SERVICE_CENTRE = "service_centre"  # 客户服务中心
    BUSINESS_HALL = "business_hall"  # 营业厅
    REPAIR = "repair"  # 抢修
    METERING = "metering"  # 计量
    MARKETING = "marketing"  # 营销
    OTHER = "other"


class District(Base):
    """A supply district (供电区域): premises, departments and routing rules belong to one."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))


class Department(Base):
    """A unit that handles work orders: the service centre, a business hall, a repair crew, …"""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    # Overdue orders are escalated (督办) to this person.
    supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", use_alter=True, name="fk_department_supervisor_id_staff")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Staff(Base):
    """A person who signs in, with one role and (for handlers) one department."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(
            "role in ('duty_agent','dispatcher','handler','follow_up_agent','supervisor','admin')",
            name="role_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class ApiToken(Base):
    """Bearer tokens; only a hash is kept so a database leak gives no usable token."""

    __tablename__ = "api_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
