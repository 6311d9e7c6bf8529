"""The customer view at the intake desk: accounts, meters, bills, payments, arrears, orders.

It draws on customers, billing and the closed loop, so it lives on the read side above them
(`views`), apart from `customers.service`, which both of those areas use.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.billing import payments
from quarterhour.billing.arrears import BillBalance
from quarterhour.billing.models import Bill, Payment
from quarterhour.config import Settings
from quarterhour.customers.models import Account, Meter, MeterHousehold, MeterReading, Premises
from quarterhour.customers.schemas import MeterOut, PaymentOut
from quarterhour.customers.service import get_customer, masked
from quarterhour.kit import clock
from quarterhour.kit.masking import mask_id_number, mask_phone, salutation
from quarterhour.outages import service as outages
from quarterhour.tariffs.models import Tariff
from quarterhour.views.schemas import (
    AccountBill,
    AccountOut,
    BillReading,
    BillStatus,
    CustomerView,
)
from quarterhour.workorders import order_access

RECENT = 12


def customer_view(
    session: Session, customer_id: int, *, by: Actor, settings: Settings, as_of: date | None = None
) -> CustomerView:
    require(by, Permission.VIEW_CUSTOMERS)
    customer = get_customer(session, customer_id, field="customer_id")
    day = as_of or clock.now().date()
    rows = session.execute(
        select(
            Account,
            Premises.address,
            Premises.district_id,
            Premises.latitude,
            Premises.longitude,
            Tariff.code,
        )
        .join(Premises, Premises.id == Account.premises_id)
        .join(Tariff, Tariff.id == Account.tariff_id)
        .where(Account.customer_id == customer.id)
        .order_by(Account.number)
    ).all()
    account_ids = [account.id for account, *_ in rows]
    meters: dict[int, list[MeterOut]] = defaultdict(list)
    households = func.count(MeterHousehold.premises_id)
    for meter, served in session.execute(
        select(Meter, households)
        .outerjoin(MeterHousehold, MeterHousehold.meter_id == Meter.id)
        .where(Meter.account_id.in_(account_ids))
        .group_by(Meter.id)
        .order_by(Meter.installed_on, Meter.id)
    ):
        meters[meter.account_id].append(
            MeterOut(
                number=meter.number,
                multiplier=meter.multiplier,
                is_time_of_use=meter.is_time_of_use,
                is_shared=meter.is_shared,
                households=served,
                installed_on=meter.installed_on,
                removed_on=meter.removed_on,
            )
        )
    recent: dict[int, list[Bill]] = defaultdict(list)
    for bill in session.scalars(
        select(Bill).where(Bill.account_id.in_(account_ids)).order_by(Bill.period.desc())
    ):
        if len(recent[bill.account_id]) < RECENT:
            recent[bill.account_id].append(bill)
    readings = _readings_of(session, account_ids, recent)
    paid: dict[int, list[PaymentOut]] = defaultdict(list)
    for payment in session.scalars(
        select(Payment).where(Payment.account_id.in_(account_ids)).order_by(Payment.paid_at.desc())
    ):
        if len(paid[payment.account_id]) < RECENT:
            paid[payment.account_id].append(
                PaymentOut(amount=payment.amount, channel=payment.channel, paid_at=payment.paid_at)
            )
    owing = payments.statements(
        session, [account for account, *_ in rows], settings=settings, as_of=day
    )
    supplied = outages.supplies(session, [account.premises_id for account, *_ in rows], by=by)
    accounts = []
    for account, address, district_id, latitude, longitude, tariff_code in rows:
        supply = supplied.get(account.premises_id)
        owed = owing[account.id]
        balances = {balance.bill.bill_id: balance for balance in owed.bills}
        bills = [
            _account_bill(bill, balances[bill.id], readings[bill.account_id, bill.period], day)
            for bill in recent[account.id]
        ]
        accounts.append(
            AccountOut(
                number=account.number,
                category=account.category,
                tariff=tariff_code,
                address=address,
                district_id=district_id,
                transformer=supply.transformer if supply else None,
                transformer_name=supply.transformer_name if supply else None,
                feeder=supply.feeder if supply else None,
                feeder_name=supply.feeder_name if supply else None,
                latitude=latitude,
                longitude=longitude,
                phone=mask_phone(account.phone),
                opened_on=account.opened_on,
                meters=meters[account.id],
                bills=bills,
                payments=paid[account.id],
                unpaid=owed.unpaid,
                late_fees=owed.late_fees,
                total_due=owed.total_due,
                credit=owed.credit,
            )
        )
    addressed = salutation(customer.name, customer.id_number)
    return CustomerView(
        customer=masked(customer),
        id_number=mask_id_number(customer.id_number),
        customer_surname=addressed[0] if addressed else None,
        customer_title=addressed[1] if addressed else None,
        accounts=accounts,
        orders=order_access.orders_of_customer(session, customer, by=by),
    )


def _readings_of(
    session: Session, account_ids: list[int], bills: dict[int, list[Bill]]
) -> dict[tuple[int, date], list[BillReading]]:
    """The readings the shown bills were computed from, per account and period: one query (the
    bill run's rows — in force, not an installation reading — of the months shown)."""
    found: dict[tuple[int, date], list[BillReading]] = defaultdict(list)
    periods = [bill.period for shown in bills.values() for bill in shown]
    if not periods:
        return found
    for reading, account_id, meter, multiplier, digits in session.execute(
        select(MeterReading, Meter.account_id, Meter.number, Meter.multiplier, Meter.digits)
        .join(Meter, Meter.id == MeterReading.meter_id)
        .where(
            Meter.account_id.in_(account_ids),
            MeterReading.period >= min(periods),
            MeterReading.voided_at.is_(None),
            MeterReading.kind != "initial",
        )
        .order_by(MeterReading.read_on, MeterReading.id)
    ):
        kwh = None
        if reading.previous_total is not None:
            used = reading.total - reading.previous_total
            if reading.rolled_over and used < 0:
                used += Decimal(10) ** digits
            kwh = used * multiplier
        found[account_id, reading.period].append(
            BillReading(
                meter=meter,
                read_on=reading.read_on,
                previous=reading.previous_total,
                current=reading.total,
                kwh=kwh,
                estimated=reading.source == "estimated",
            )
        )
    return found


def _account_bill(
    bill: Bill, balance: BillBalance, readings: list[BillReading], day: date
) -> AccountBill:
    if balance.unpaid <= 0:
        status: BillStatus = "paid"
    elif bill.due_on < day:
        status = "overdue"
    else:
        status = "part_paid" if balance.paid > 0 else "unpaid"
    return AccountBill(
        period=bill.period,
        kwh=bill.kwh,
        amount=bill.amount,
        due_on=bill.due_on,
        paid=balance.paid,
        unpaid=balance.unpaid,
        late_fee=balance.late_fee,
        status=status,
        readings=readings,
    )
