"""The customer view at the intake desk: accounts, meters, bills, payments, arrears, orders.

It draws on customers, billing and the closed loop, so it lives on the read side above them
(`views`), apart from `customers.service`, which both of those areas use.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.billing import payments
from quarterhour.billing.models import Bill, Payment
from quarterhour.config import Settings
from quarterhour.customers.models import Account, Meter, MeterHousehold, Premises
from quarterhour.customers.salutation import salutation
from quarterhour.customers.schemas import BillOut, MeterOut, PaymentOut
from quarterhour.customers.service import get_customer, masked
from quarterhour.kit import clock
from quarterhour.kit.masking import mask_id_number, mask_phone
from quarterhour.tariffs.models import Tariff
from quarterhour.views.schemas import AccountOut, CustomerView
from quarterhour.workorders import order_access

RECENT = 12


def customer_view(
    session: Session, customer_id: int, *, by: Actor, settings: Settings, as_of: date | None = None
) -> CustomerView:
    require(by, Permission.VIEW_CUSTOMERS)
    customer = get_customer(session, customer_id, field="customer_id")
    day = as_of or clock.now().date()
    rows = session.execute(
        select(Account, Premises.address, Premises.district_id, Tariff.code)
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
    bills: dict[int, list[BillOut]] = defaultdict(list)
    for bill in session.scalars(
        select(Bill).where(Bill.account_id.in_(account_ids)).order_by(Bill.period.desc())
    ):
        if len(bills[bill.account_id]) < RECENT:
            bills[bill.account_id].append(
                BillOut(period=bill.period, kwh=bill.kwh, amount=bill.amount, due_on=bill.due_on)
            )
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
    accounts = []
    for account, address, district_id, tariff_code in rows:
        owed = owing[account.id]
        accounts.append(
            AccountOut(
                number=account.number,
                category=account.category,
                tariff=tariff_code,
                address=address,
                district_id=district_id,
                phone=mask_phone(account.phone),
                opened_on=account.opened_on,
                meters=meters[account.id],
                bills=bills[account.id],
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
        addressed_as_zh=addressed.zh if addressed else None,
        addressed_as_en=addressed.en if addressed else None,
        accounts=accounts,
        orders=order_access.orders_of_customer(session, customer, by=by),
    )
