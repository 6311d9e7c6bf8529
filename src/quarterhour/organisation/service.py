"""Organisation data: districts and departments (routing rules: `workorders.routing`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.kit.recheck import Recheck, database_key
from quarterhour.organisation.models import Department, DepartmentKind, District


@dataclass(frozen=True)
class _Reference:
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
    reference = _Reference(active, frozenset(session.scalars(select(District.id))))
    _reference[database] = reference
    _recheck.checked(database)
    return reference


def active_departments(session: Session) -> frozenset[int]:
    """The ids of the active departments, from the process's copy (see kit.recheck)."""
    return _current(session).active_departments


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
