"""分户装表 (meter split) on site: one household of a 合表 gets its own meter and account.

The split is recorded by a service request. Its step on the order (the order's own department,
a 分户装表 request, the version seen) belongs to the closed loop, which this area does not
import: the caller records it first (`workorders.moves.meter_split_step`) and passes in the
order's customer and id, in the same transaction, so a refused split leaves no step behind.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.customers import accounts
from quarterhour.customers import service as customers
from quarterhour.kit import clock
from quarterhour.tariffs import tariff_book


class MeterSplit(Protocol):
    """What a split takes (the API's `MeterSplitIn` carries it, with the order's version)."""

    @property
    def shared_meter(self) -> str: ...
    @property
    def premises_id(self) -> int: ...
    @property
    def new_meter(self) -> str: ...
    @property
    def tariff(self) -> str: ...
    @property
    def installed_on(self) -> date | None: ...
    @property
    def initial_reading(self) -> Decimal: ...
    @property
    def shared_meter_reading(self) -> Decimal | None: ...
    @property
    def multiplier(self) -> int: ...
    @property
    def digits(self) -> int: ...


def record_meter_split(
    session: Session, data: MeterSplit, *, by: Actor, customer_id: int, work_order_id: int
) -> tuple[str, str]:
    """The new meter and account of the household leaving the shared meter, for the customer
    whose service request `work_order_id` records it (customers.accounts). The new account
    number and the new meter number."""
    require(by, Permission.SPLIT_METER)
    tariff = tariff_book.get_tariff(session, data.tariff)
    account, meter = accounts.split_from_shared_meter(
        session,
        customer=customers.get_customer(session, customer_id),
        shared_meter_number=data.shared_meter,
        premises_id=data.premises_id,
        tariff_id=tariff.id,
        new_meter_number=data.new_meter,
        installed_on=data.installed_on or clock.now().date(),
        initial=data.initial_reading,
        shared_meter_reading=data.shared_meter_reading,
        multiplier=data.multiplier,
        digits=data.digits,
        work_order_id=work_order_id,
    )
    return account.number, meter.number
