"""Hefei Power Supply Company as demo organisation: four districts, the service centre, business
halls, repair crews, metering, and staff for every role with documented passwords (README)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from quarterhour.access.actor import Role, system
from quarterhour.billing import late_fees
from quarterhour.organisation import service as organisation
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import Department, DepartmentKind, Staff
from quarterhour.workorders import policies, routing
from quarterhour.workorders.kinds import OrderType, ServiceSubtype

DEMO_PASSWORD = "quarter-hour-1996"  # noqa: S105 - every demo account; documented in README
# Tests use cheap Argon2 parameters; the demo and production use the defaults.
FAST_HASH = (1, 1024)

DISTRICTS = (("baohe", "包河区"), ("shushan", "蜀山区"), ("luyang", "庐阳区"), ("yaohai", "瑶海区"))


@dataclass
class Organisation:
    districts: dict[str, int] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)

    def dept(self, code: str) -> int:
        return self.departments[code].id


def install(session: Session, *, password_cost: tuple[int, int] | None = None) -> Organisation:
    """Idempotent only on an empty organisation; callers check first."""
    policies.ensure_default_policies(session, by=system("demo"))
    late_fees.ensure_default_rules(session)
    org = Organisation()
    for code, name in DISTRICTS:
        org.districts[code] = organisation.add_district(
            session, by=system("demo"), code=code, name=name
        ).id

    def add(code: str, name: str, kind: DepartmentKind, district: str | None = None) -> None:
        org.departments[code] = organisation.add_department(
            session,
            by=system("demo"),
            code=code,
            name=name,
            kind=kind,
            district_id=org.districts[district] if district else None,
        )

    add("centre", "客户服务中心", DepartmentKind.SERVICE_CENTRE)
    for code, name in DISTRICTS:
        add(f"hall-{code}", f"{name}供电营业厅", DepartmentKind.BUSINESS_HALL, code)
        add(f"repair-{code}", f"{name}抢修班", DepartmentKind.REPAIR, code)
    add("metering", "计量中心", DepartmentKind.METERING)
    add("marketing", "营销部", DepartmentKind.MARKETING)
    add("inspection", "监察部", DepartmentKind.OTHER)

    cost = password_cost or (2, 19 * 1024)

    def person(
        username: str, name: str, role: Role, dept: str | None = None, phone: str | None = None
    ) -> Staff:
        staff = staff_accounts.create_staff(
            session,
            by=system("demo"),
            username=username,
            full_name=name,
            role=role,
            password=DEMO_PASSWORD,
            department_id=org.dept(dept) if dept else None,
            phone=phone,
            password_cost=cost,
        )
        org.staff[username] = staff
        return staff

    person("admin", "系统管理员", Role.ADMIN)
    person("agent", "王芳", Role.DUTY_AGENT, "centre", "13905510101")
    person("agent2", "陈静", Role.DUTY_AGENT, "centre", "13905510102")
    person("dispatcher", "刘洋", Role.DISPATCHER, "centre", "13905510103")
    person("followup", "张敏", Role.FOLLOW_UP_AGENT, "centre", "13905510104")
    person("supervisor", "李祥", Role.SUPERVISOR, "centre", "13905510105")
    person("leader", "赵局长", Role.SUPERVISOR, None, "13905510106")
    person("specialist", "孙工", Role.DUTY_AGENT, "centre", "13905510107")
    surnames = {"baohe": "邓玲", "shushan": "周强", "luyang": "吴刚", "yaohai": "郑伟"}
    for code, _ in DISTRICTS:
        person(f"hall-{code}", surnames[code], Role.HANDLER, f"hall-{code}")
        person(f"repair-{code}", f"{surnames[code][0]}师傅", Role.HANDLER, f"repair-{code}")
    person("metering", "钱工", Role.HANDLER, "metering")
    person("marketing", "何经理", Role.HANDLER, "marketing")
    person("inspection", "冯主任", Role.HANDLER, "inspection")
    # Overdue work is escalated to the supervisor of the department (督办).
    for department in org.departments.values():
        organisation.set_supervisor(
            session,
            by=system("demo"),
            department_id=department.id,
            staff_id=org.staff["supervisor"].id,
        )

    route = routing.add_routing_rule
    for code, _ in DISTRICTS:
        district_id = org.districts[code]
        route(
            session,
            by=system("demo"),
            order_type=OrderType.FAULT_REPAIR,
            department_id=org.dept(f"repair-{code}"),
            district_id=district_id,
        )
        route(
            session,
            by=system("demo"),
            order_type=OrderType.SERVICE_REQUEST,
            department_id=org.dept(f"hall-{code}"),
            district_id=district_id,
        )
        route(
            session,
            by=system("demo"),
            order_type=OrderType.COMPLAINT,
            department_id=org.dept(f"hall-{code}"),
            district_id=district_id,
        )
    route(
        session,
        by=system("demo"),
        order_type=OrderType.FAULT_REPAIR,
        department_id=org.dept("repair-luyang"),
    )
    route(
        session,
        by=system("demo"),
        order_type=OrderType.COMPLAINT,
        department_id=org.dept("marketing"),
    )
    route(
        session,
        by=system("demo"),
        order_type=OrderType.SERVICE_REQUEST,
        department_id=org.dept("marketing"),
    )
    for subtype in (ServiceSubtype.METER_ANOMALY, ServiceSubtype.READING_ANOMALY):
        route(
            session,
            by=system("demo"),
            order_type=OrderType.SERVICE_REQUEST,
            subtype=subtype,
            department_id=org.dept("metering"),
        )
    route(
        session,
        by=system("demo"),
        order_type=OrderType.MISCONDUCT_REPORT,
        department_id=org.dept("inspection"),
    )
    for kind in (OrderType.OPINION, OrderType.SUGGESTION, OrderType.PRAISE, OrderType.CONSULTATION):
        route(session, by=system("demo"), order_type=kind, department_id=org.dept("marketing"))
    session.flush()
    return org
