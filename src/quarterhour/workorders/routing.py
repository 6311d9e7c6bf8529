"""Which district and department a matter of a contact goes to, after checking the matter.

Used by intake (`intake.take_contact`) and by its preview at the intake desk (`preview.py`), so
that what the agent is shown before saving is what saving does.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from quarterhour.errors import ValidationFailed
from quarterhour.organisation import service as organisation
from quarterhour.workorders.kinds import SUBTYPES, OrderType
from quarterhour.workorders.schemas import MatterIn

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
    return district_id, organisation.route(session, kind, matter.subtype, district_id)
