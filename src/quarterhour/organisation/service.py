"""Organisation data and routing: which department a matter goes to."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.organisation.models import Department, DepartmentKind, District, RoutingRule


def route(
    session: Session, order_type: str, subtype: str | None, district_id: int | None
) -> Department | None:
    """The most specific rule wins: sub-type beats type, a district beats 'any district'."""
    rules = session.execute(
        select(RoutingRule, Department)
        .join(Department, Department.id == RoutingRule.department_id)
        .where(
            RoutingRule.order_type == order_type,
            or_(RoutingRule.subtype.is_(None), RoutingRule.subtype == subtype),
            or_(RoutingRule.district_id.is_(None), RoutingRule.district_id == district_id),
            Department.is_active.is_(True),
        )
    ).all()
    best: tuple[tuple[int, int, int], Department] | None = None
    for rule, department in rules:
        score = (
            1 if rule.subtype is not None else 0,
            1 if rule.district_id is not None else 0,
            rule.priority,
        )
        if best is None or score > best[0]:
            best = (score, department)
    return best[1] if best else None


def get_department(session: Session, department_id: int, *, field: str) -> Department:
    department = session.get(Department, department_id)
    if department is None or not department.is_active:
        raise ValidationFailed(f"no active department {department_id}", field=field)
    return department


def get_district(session: Session, district_id: int, *, field: str) -> District:
    district = session.get(District, district_id)
    if district is None:
        raise ValidationFailed(f"no district {district_id}", field=field)
    return district


def list_districts(session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.id)))


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.id)))


def list_routing_rules(session: Session) -> list[RoutingRule]:
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.id)))


def add_district(session: Session, *, by: Actor | None, code: str, name: str) -> District:
    if by is not None:
        require(by, Permission.MANAGE_ORGANISATION)
    if session.scalar(select(District.id).where(District.code == code)) is not None:
        raise Conflict(f"district code {code!r} exists", field="code")
    district = District(code=code, name=name)
    session.add(district)
    session.flush()
    return district


def add_department(
    session: Session,
    *,
    by: Actor | None,
    code: str,
    name: str,
    kind: DepartmentKind | str,
    district_id: int | None = None,
) -> Department:
    if by is not None:
        require(by, Permission.MANAGE_ORGANISATION)
    try:
        kind = DepartmentKind(kind)
    except ValueError:
        raise ValidationFailed(f"unknown department kind {kind!r}", field="kind") from None
    if session.scalar(select(Department.id).where(Department.code == code)) is not None:
        raise Conflict(f"department code {code!r} exists", field="code")
    if district_id is not None:
        get_district(session, district_id, field="district_id")
    department = Department(code=code, name=name, kind=kind, district_id=district_id)
    session.add(department)
    session.flush()
    return department


def set_supervisor(
    session: Session, *, by: Actor | None, department_id: int, staff_id: int
) -> Department:
    if by is not None:
        require(by, Permission.MANAGE_ORGANISATION)
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(f"no department {department_id}", field="department_id")
    department.supervisor_id = staff_id
    return department


def add_routing_rule(
    session: Session,
    *,
    by: Actor | None,
    order_type: str,
    department_id: int,
    subtype: str | None = None,
    district_id: int | None = None,
    priority: int = 0,
) -> RoutingRule:
    from quarterhour.workorders.kinds import SUBTYPES, OrderType

    if by is not None:
        require(by, Permission.MANAGE_ORGANISATION)
    try:
        kind = OrderType(order_type)
    except ValueError:
        raise ValidationFailed(f"unknown order type {order_type!r}", field="order_type") from None
    if subtype is not None and subtype not in SUBTYPES.get(kind, frozenset()):
        raise ValidationFailed(f"{order_type} has no sub-type {subtype!r}", field="subtype")
    get_department(session, department_id, field="department_id")
    if district_id is not None:
        get_district(session, district_id, field="district_id")
    rule = RoutingRule(
        order_type=kind,
        subtype=subtype,
        district_id=district_id,
        department_id=department_id,
        priority=priority,
    )
    session.add(rule)
    session.flush()
    return rule
