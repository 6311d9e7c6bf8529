"""Drill-downs: the order list that reproduces a dashboard figure.

Each link carries exactly the conditions the figure counted with (workorders/standing.py), so
following "已处置 5" lists those five orders: the period as acceptance dates (the console's order
list reads a bare date as that Shanghai day), the dashboard's type, department and district,
and what the figure selects (handled, followed up, overdue now …).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from quarterhour.analytics.schemas import StatsQuery
from quarterhour.workorders.kinds import OrderType
from quarterhour.workorders.lifecycle import State
from quarterhour.workorders.standing import COMPLETED_STATES, HANDLED_STATES, FollowUpStanding

ORDERS = "/console/orders"
Params = dict[str, str | list[str]]


def _states(states: Iterable[State]) -> list[str]:
    return sorted(str(s) for s in states)


# What each count of the quality figures selects within the period's cohort.
COHORT: dict[str, Params] = {
    "accepted": {},
    "handled": {"state": _states(HANDLED_STATES)},
    "follow_up_due": {"follow_up": FollowUpStanding.DUE.value},
    "followed_up": {"follow_up": FollowUpStanding.DONE.value},
    "answered_orders": {"follow_up": FollowUpStanding.ANSWERED.value},
    "dissatisfied_orders": {"follow_up": FollowUpStanding.DISSATISFIED.value},
    "completed": {"state": _states(COMPLETED_STATES)},
    "on_time": {"state": _states(COMPLETED_STATES), "late": "false"},
    "reworked_orders": {"reworked": "true"},
}


@dataclass(frozen=True)
class Drill:
    """The dashboard's filters, as order-list links."""

    q: StatsQuery

    def _scope(self) -> Params:
        found: Params = {}
        if self.q.order_type is not None:
            found["order_type"] = str(self.q.order_type)
        if self.q.department_id is not None:
            found["department_id"] = str(self.q.department_id)
        if self.q.district_id is not None:
            found["district_id"] = str(self.q.district_id)
        return found

    def cohort(self, figure: str, *, start: date | None = None, end: date | None = None) -> str:
        """Orders accepted in the period (or the part [start, end] of it) counted by `figure`;
        cancelled orders are outside every figure."""
        params: Params = {
            # Every order of the period, in any state, but 撤销.
            "open": "all",
            "cancelled": "false",
            "accepted_from": max(start or self.q.start, self.q.start).isoformat(),
            "accepted_to": min(end or self.q.end, self.q.end).isoformat(),
            **self._scope(),
            **COHORT[figure],
        }
        if "state" in params:
            params.pop("open")  # the states say it
        return _link(params)

    def of_type(
        self,
        order_type: str,
        figure: str = "accepted",
        *,
        start: date | None = None,
        end: date | None = None,
    ) -> str:
        """A row of the per-type table, or a part of a column of the call mix."""
        scoped = Drill(self.q.model_copy(update={"order_type": OrderType(order_type)}))
        return scoped.cohort(figure, start=start, end=end)

    def of_channel(self, channel: str) -> str:
        """The orders of the period taken on one channel (the call mix's channel table)."""
        params: Params = {
            "open": "all",
            "cancelled": "false",
            "accepted_from": self.q.start.isoformat(),
            "accepted_to": self.q.end.isoformat(),
            **self._scope(),
            "channel": channel,
        }
        return _link(params)

    def overdue(self, department_id: int | None = None, *, per_department: bool = False) -> str:
        """Overdue work now (whatever its acceptance date), optionally one department's
        (None with `per_department`: the orders no department holds yet)."""
        params: Params = {"open": "true", "overdue": "true", **self._scope()}
        if per_department:
            if department_id is None:
                params["routed"] = "false"
            else:
                params["department_id"] = str(department_id)
        return _link(params)

    def repairs(self, *, district_id: int | None = None, area_class: str | None = None) -> str:
        """The fault repairs the arrival and restoration figures time: accepted in the period,
        not cancelled, not linked to an outage; a district's or an area class's when given.
        (The repair figures read the period and the district, not the type or department.)"""
        params: Params = {
            "open": "all",
            "cancelled": "false",
            "accepted_from": self.q.start.isoformat(),
            "accepted_to": self.q.end.isoformat(),
            "order_type": OrderType.FAULT_REPAIR.value,
            "linked": "false",
        }
        district = district_id or self.q.district_id
        if district is not None:
            params["district_id"] = str(district)
        if area_class is not None:
            params["area_class"] = area_class
        return _link(params)

    def outage_calls(self, outage_id: int) -> str:
        """The fault calls linked to one outage (its 来电 in the repair figures)."""
        return _link({"open": "all", "cancelled": "false", "outage_id": str(outage_id)})


OUTAGES = "/console/outages"


def outage(outage_id: int | None = None) -> str:
    """The outage board, or one outage's page: the outage figures have no list to filter."""
    return OUTAGES if outage_id is None else f"{OUTAGES}/{outage_id}"


def _link(params: Params) -> str:
    return f"{ORDERS}?{urlencode(params, doseq=True)}"
