"""Overdue work as it stands now, per department: the dashboard's 超期 card and bars.

Not a figure of the period's cohort: work accepted last month and still late is exactly what a
supervisor has to chase, and the queues list it whatever its acceptance date. The condition is
the order list's own (workorders.standing.overdue), so following the card to
/console/orders?overdue=true lists the orders it counted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.workorders.kinds import OrderType
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.standing import overdue


def per_department(
    session: Session,
    now: datetime,
    *,
    order_type: OrderType | None = None,
    department_id: int | None = None,
    district_id: int | None = None,
) -> dict[int | None, int]:
    """Overdue open orders per department (None: not yet placed with one)."""
    # The range due_at < now over open orders is the partial index ix_work_order_open_due.
    query = select(WorkOrder.department_id, func.count()).where(overdue(now))
    if order_type is not None:
        query = query.where(WorkOrder.order_type == order_type)
    if department_id is not None:
        query = query.where(WorkOrder.department_id == department_id)
    if district_id is not None:
        query = query.where(WorkOrder.district_id == district_id)
    rows = session.execute(query.group_by(WorkOrder.department_id))
    return {department: number for department, number in rows}
