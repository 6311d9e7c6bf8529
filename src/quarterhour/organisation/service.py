"""Organisation data and routing: which department a matter goes to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.kit.recheck import Recheck, database_key
from quarterhour.organisation.models import Department, DepartmentKind, District, RoutingRule


@dataclass(frozen=True)
class _Rule:
    order_type: str
    subtype: str | None
    district_id: int | None
    priority: int
    department_id: int


@dataclass(frozen=True)
class _Reference:
    rules: tuple[_Rule, ...]  # only those to active departments
    active_departments: frozenset[int]
    districts: frozenset[int]


# Read by every intake and dispatch; small tables, re-read at most every kit.recheck.SECONDS.
_reference: dict[str, _Reference] = {}
_recheck = Recheck()


def invalidate_cache() -> None:
    _reference.clear()
    _recheck.forget()


def _current(session: Session) -> _Reference:
    database = database_key(session.get_bind())
    cached = _reference.get(database)
    if cached is not None and _recheck.fresh(database):
        return cached
    active = frozenset(session.scalars(select(Department.id).where(Department.is_active.is_(True))))
    rules = tuple(
        _Rule(r.order_type, r.subtype, r.district_id, r.priority, r.department_id)
        for r in session.scalars(select(RoutingRule))
        if r.department_id in active
    )
    reference = _Reference(rules, active, frozenset(session.scalars(select(District.id))))
    _reference[database] = reference
    _recheck.checked(database)
    return reference


def route(
    session: Session, order_type: str, subtype: str | None, district_id: int | None
) -> int | None:
    """The department for a matter. The most specific rule wins: sub-type beats type, a district
    beats 'any district', then the higher priority."""
    best: tuple[tuple[int, int, int], int] | None = None
    for rule in _current(session).rules:
        if rule.order_type != order_type:
            continue
        if rule.subtype is not None and rule.subtype != subtype:
            continue
        if rule.district_id is not None and rule.district_id != district_id:
            continue
        score = (
            1 if rule.subtype is not None else 0,
            1 if rule.district_id is not None else 0,
            rule.priority,
        )
        if best is None or score > best[0]:
            best = (score, rule.department_id)
    return best[1] if best else None


def check_department(session: Session, department_id: int, *, field: str) -> int:
    """An active department's id, from the process's copy when it knows it (see kit.recheck)."""
    if department_id in _current(session).active_departments:
        return department_id
    return get_department(session, department_id, field=field).id


def check_district(session: Session, district_id: int, *, field: str) -> int:
    if district_id in _current(session).districts:
        return district_id
    return get_district(session, district_id, field=field).id


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


def add_district(session: Session, *, by: Actor, code: str, name: str) -> District:
    require(by, Permission.MANAGE_ORGANISATION)
    if session.scalar(select(District.id).where(District.code == code)) is not None:
        raise Conflict(f"district code {code!r} exists", field="code")
    district = District(code=code, name=name)
    session.add(district)
    invalidate_cache()
    session.flush()
    return district


def add_department(
    session: Session,
    *,
    by: Actor,
    code: str,
    name: str,
    kind: DepartmentKind | str,
    district_id: int | None = None,
) -> Department:
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
    invalidate_cache()
    session.flush()
    return department


def set_supervisor(session: Session, *, by: Actor, department_id: int, staff_id: int) -> Department:
    require(by, Permission.MANAGE_ORGANISATION)
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(f"no department {department_id}", field="department_id")
    department.supervisor_id = staff_id
    invalidate_cache()
    return department


def add_routing_rule(
    session: Session,
    *,
    by: Actor,
    order_type: str,
    department_id: int,
    subtype: str | None = None,
    district_id: int | None = None,
    priority: int = 0,
) -> RoutingRule:
    from quarterhour.workorders.kinds import SUBTYPES, OrderType

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
    invalidate_cache()
    session.flush()
    return rule
