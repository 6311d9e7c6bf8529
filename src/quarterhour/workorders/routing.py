"""Routing: which department a matter goes to.

The routing rules — which department gets a type (and sub-type) of work in a district — with
their use cases, and a matter of a contact checked and routed. Used by intake
(`intake.take_contact`) and by its preview at the intake desk (`preview.py`), so that what the
agent is shown before saving is what saving does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, can, require
from quarterhour.errors import ValidationFailed
from quarterhour.kit.recheck import Recheck, database_key
from quarterhour.organisation import service as organisation
from quarterhour.organisation.models import DepartmentKind
from quarterhour.storage.base import Base
from quarterhour.workorders.kinds import SUBTYPES, OrderType, complaint_class
from quarterhour.workorders.schemas import MatterIn


class RoutingRule(Base):
    """Which department gets a type (and sub-type) of work in a district; the most specific rule wins."""

    __tablename__ = "routing_rule"
    __table_args__ = (Index("ix_routing_rule_lookup", "order_type", "subtype", "district_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_type: Mapped[str] = mapped_column(String(32))
    subtype: Mapped[str | None] = mapped_column(String(32))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # A fault repair routed by this rule goes at once to the district's crew on duty (派单 by the
    # system): a 45-minute arrival clock cannot wait for a dispatcher.
    dispatch_to_crew: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


@dataclass(frozen=True)
class _Rule:
    order_type: str
    subtype: str | None
    district_id: int | None
    priority: int
    department_id: int
    dispatch_to_crew: bool = False


# Read by every intake; a small table, re-read at most every kit.recheck.SECONDS. Rules to a
# department that is no longer active are passed over (organisation's copy says which are).
_rules: dict[str, tuple[_Rule, ...]] = {}
_recheck = Recheck()


def invalidate_cache() -> None:
    _rules.clear()
    _recheck.forget()


def _current(session: Session) -> tuple[_Rule, ...]:
    database = database_key(session.get_bind())
    cached = _rules.get(database)
    if cached is not None and _recheck.fresh(database):
        return cached
    rules = tuple(
        _Rule(
            r.order_type,
            r.subtype,
            r.district_id,
            r.priority,
            r.department_id,
            bool(r.dispatch_to_crew),
        )
        for r in session.scalars(select(RoutingRule))
    )
    _rules[database] = rules
    _recheck.checked(database)
    return rules


def route(
    session: Session, order_type: str, subtype: str | None, district_id: int | None
) -> int | None:
    """The department for a matter. The most specific rule wins: sub-type beats its complaint
    class (a rule for 营业投诉 takes 电费电价 too), which beats the type alone, a district beats
    'any district', then the higher priority."""
    rule = routing_rule(session, order_type, subtype, district_id)
    return rule.department_id if rule is not None else None


def routing_rule(
    session: Session, order_type: str, subtype: str | None, district_id: int | None
) -> _Rule | None:
    """The rule that routes a matter (route() says which wins), or None."""
    active = organisation.active_departments(session)
    within = complaint_class(subtype)
    best: tuple[tuple[int, int, int], _Rule] | None = None
    for rule in _current(session):
        if rule.department_id not in active or rule.order_type != order_type:
            continue
        if rule.subtype is not None and rule.subtype not in (subtype, within):
            continue
        if rule.district_id is not None and rule.district_id != district_id:
            continue
        score = (
            0 if rule.subtype is None else 2 if rule.subtype == subtype else 1,
            1 if rule.district_id is not None else 0,
            rule.priority,
        )
        if best is None or score > best[0]:
            best = (score, rule)
    return best[1] if best else None


def dispatches_to_crew(
    session: Session, order_type: str, subtype: str | None, district_id: int | None
) -> bool:
    """Whether the rule routing a fault repair sends it at once to the crew on duty."""
    if order_type != OrderType.FAULT_REPAIR:
        return False
    rule = routing_rule(session, order_type, subtype, district_id)
    return rule is not None and rule.dispatch_to_crew


def list_routing_rules(session: Session, *, by: Actor) -> list[RoutingRule]:
    """For those who see where orders go and the administrators who set it."""
    if not can(by, Permission.MANAGE_ORGANISATION):
        require(by, Permission.VIEW_ORDERS)
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.id)))


def add_routing_rule(
    session: Session,
    *,
    by: Actor,
    order_type: str,
    department_id: int,
    subtype: str | None = None,
    district_id: int | None = None,
    priority: int = 0,
    dispatch_to_crew: bool = False,
) -> RoutingRule:
    require(by, Permission.MANAGE_ORGANISATION)
    try:
        kind = OrderType(order_type)
    except ValueError:
        raise ValidationFailed(f"unknown order type {order_type!r}", field="order_type") from None
    if subtype is not None and subtype not in SUBTYPES.get(kind, frozenset()):
        raise ValidationFailed(f"{order_type} has no sub-type {subtype!r}", field="subtype")
    department = organisation.get_department(session, department_id, field="department_id")
    if dispatch_to_crew and kind is not OrderType.FAULT_REPAIR:
        raise ValidationFailed(
            "dispatch_to_crew: only fault repairs go to a crew", field="dispatch_to_crew"
        )
    if dispatch_to_crew and department.kind != DepartmentKind.REPAIR:
        raise ValidationFailed(
            "dispatch_to_crew: only a repair department has crews", field="dispatch_to_crew"
        )
    if district_id is not None:
        organisation.get_district(session, district_id, field="district_id")
    rule = RoutingRule(
        order_type=kind,
        subtype=subtype,
        district_id=district_id,
        department_id=department_id,
        priority=priority,
        dispatch_to_crew=dispatch_to_crew,
    )
    session.add(rule)
    invalidate_cache()
    session.flush()
    return rule


# 直接办结: only a consultation can be answered and closed during the contact.
CLOSABLE_ON_INTAKE = frozenset({OrderType.CONSULTATION})


def route_matter(
    session: Session, matter: MatterIn, index: int, customer_district_id: int | None
) -> tuple[int | None, int | None]:
    """Checks one matter and picks its district and department."""
    field = f"matters[{index}]"
    kind = OrderType(matter.order_type)
    subtypes = SUBTYPES.get(kind, frozenset())
    if matter.subtype is not None and matter.subtype not in subtypes:
        allowed = ", ".join(sorted(subtypes)) or "none"
        raise ValidationFailed(
            f"{kind} has no sub-type {matter.subtype!r} (allowed: {allowed})",
            field=f"{field}.subtype",
        )
    if kind is OrderType.FAULT_REPAIR and matter.area_class is None:
        raise ValidationFailed(
            "a fault repair needs its area class (urban, rural, remote)",
            field=f"{field}.area_class",
        )
    if kind is not OrderType.FAULT_REPAIR and matter.area_class is not None:
        raise ValidationFailed("only fault repairs have an area class", field=f"{field}.area_class")
    if matter.answer is not None and kind not in CLOSABLE_ON_INTAKE:
        raise ValidationFailed(
            "only a consultation can be answered and closed at intake", field=f"{field}.answer"
        )
    district_id = matter.district_id or customer_district_id
    if matter.district_id is not None:
        organisation.check_district(session, matter.district_id, field=f"{field}.district_id")
    if matter.department_id is not None:
        return district_id, organisation.check_department(
            session, matter.department_id, field=f"{field}.department_id"
        )
    return district_id, route(session, kind, matter.subtype, district_id)
