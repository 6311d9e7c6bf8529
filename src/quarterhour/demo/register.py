"""The demo's customer register: accounts, meters, months of readings, bills and payments.

Story 1's building (拱辰街99号楼: a 合表 serving four flats, one of them 唐邦铮's) is installed
before the history starts, with its monthly readings up to the story's day, so that the meter
split is recorded on that day through the real service. After the history every caller gets an
account and a meter, from files, through the real imports (customers, meters, readings); each
month is billed by the bill run; most bills are paid, some accounts are left in arrears, and one
implausible reading is held for review.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, insert, select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.billing import bill_run
from quarterhour.billing.models import Bill, Payment
from quarterhour.config import Settings
from quarterhour.customers import accounts, reading_import, register_import
from quarterhour.customers.models import Account, Customer, Meter, MeterReading, Premises
from quarterhour.demo.organisation import Organisation
from quarterhour.demo.people import looks_female
from quarterhour.kit import clock
from quarterhour.kit.id_card import check_digit
from quarterhour.kit.masking import last_four
from quarterhour.organisation.models import District
from quarterhour.tariffs import tariff_book
from quarterhour.tariffs.reference import month_back, period_bounds

MONTHS_BEFORE_HISTORY = 4  # accounts opened this many months before the history's first day
BUILDING_FLATS = ("1单元101室", "1单元202室", "2单元301室", "2单元402室")
CALLER_FLAT = BUILDING_FLATS[2]  # the story's caller lives here
BUILDING_HOLDER = ("王秀英", "13905519901")  # the 合表's registered holder, a neighbour
SHARED_METER = "HF-GC99-0001"
NEW_METER = "HF-GC99-0301"
# Region codes of the ID numbers (居民身份证) issued in the demo's districts.
ID_REGIONS = {"baohe": "340111", "shushan": "340104", "luyang": "340103", "yaohai": "340102"}


def opened_on(first_day: date) -> date:
    return month_back(first_day, MONTHS_BEFORE_HISTORY)


def month_ends(after: date, before: date) -> list[date]:
    """The last days of the months that end after `after` and before `before`."""
    ends: list[date] = []
    month = after
    while True:
        month = period_bounds(month)[1]  # the first day of the next month
        end = month - timedelta(days=1)
        if end >= before:
            return ends
        if end > after:
            ends.append(end)


def _usage(rng: random.Random, base: int, month: int) -> int:
    # Hefei's summers (air conditioning) and winters (heating) use more than spring and autumn.
    season = {7: 1.7, 8: 1.8, 6: 1.2, 9: 1.2, 12: 1.3, 1: 1.4, 2: 1.2}.get(month, 1.0)
    return max(5, round(base * season * rng.uniform(0.85, 1.15)))


def id_number(rng: random.Random, district: str, *, female: bool) -> str:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(60 * 365))
    # The sequence's last digit records the sex (GB 11643: odd for men, even for women).
    sequence = rng.randrange(1000) // 2 * 2 + (0 if female else 1)
    first17 = f"{ID_REGIONS.get(district, '340100')}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def install_story_building(
    session: Session,
    org: Organisation,
    *,
    first_day: date,
    story_day: date | None,
    building: str,
    district: str,
    caller: tuple[str, str],
) -> None:
    """Story 1's 合表: `building`'s four flats on one meter, its holder a neighbour, the story's
    `caller` (name, phone) in one of the flats; its readings up to the story's day."""
    tariff_book.install_samples(session, by=system("demo"))
    rng = random.Random(building)  # noqa: S311 - reproducible demo data, not security
    district_id = org.districts[district]
    flats = [
        accounts.add_premises(
            session, address=f"{building}{flat}", district_id=district_id, by=system("demo")
        )
        for flat in BUILDING_FLATS
    ]
    start = opened_on(first_day)
    for name, phone, address in (
        (*BUILDING_HOLDER, f"{building}{BUILDING_FLATS[0]}"),
        (*caller, f"{building}{CALLER_FLAT}"),
    ):
        session.add(
            Customer(
                name=name,
                phone=phone,
                phone_last4=last_four(phone),
                address=address,
                district_id=district_id,
                id_number=id_number(rng, district, female=looks_female(name)),
                created_at=clock.now(),
            )
        )
    session.flush()
    holder = session.scalars(select(Customer).where(Customer.phone == BUILDING_HOLDER[1])).one()
    account = accounts.open_account(
        session,
        customer=holder,
        premises=flats[0],
        tariff_id=tariff_book.get_tariff(session, "AH-SHARED").id,
        opened_on=start,
    )
    meter = accounts.install_meter(
        session,
        account=account,
        number=SHARED_METER,
        installed_on=start,
        households=flats,
        initial=Decimal(20_480),
    )
    total = Decimal(20_480)
    until = story_day or (first_day + timedelta(days=366))
    for end in month_ends(start, until):
        total += _usage(rng, 4 * 150, end.month)  # four households on one meter
        # Read on its day: the simulation's clock is still at its first day, and a reading is
        # never of a day that has not come.
        read_at = clock.at(end, time(17))
        with clock.using(lambda: read_at):  # noqa: B023 - used at once, inside the loop
            accounts.record_reading(session, meter=meter, read_on=end, total=total)


def split_reading(session: Session) -> Decimal:
    """The shared meter's register on the day of the split: its last reading and a few days."""
    last = session.scalars(
        select(MeterReading.total)
        .join(Meter, Meter.id == MeterReading.meter_id)
        .where(Meter.number == SHARED_METER)
        .order_by(MeterReading.read_on.desc())
        .limit(1)
    ).one()
    return last + Decimal(96)


def caller_premises_id(session: Session, building: str) -> int:
    address = f"{building}{CALLER_FLAT}"
    return session.scalars(select(Premises.id).where(Premises.address == address)).one()


# --- after the history -------------------------------------------------------------------------


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _area_class(address: str) -> str:
    if "山区" in address or "林场" in address:
        return "remote"
    if any(word in address for word in ("村", "镇", "乡")):
        return "rural"
    return "urban"


def fill(
    session: Session, settings: Settings, *, first_day: date, anchor: datetime, seed: int
) -> dict[str, int]:
    """Accounts and meters for every caller, months of readings, bills and payments."""
    rng = random.Random(seed + 1)  # noqa: S311 - reproducible demo data, not security
    with clock.using(lambda: anchor):
        return _fill(session, settings, rng, first_day=first_day, anchor=anchor)


def _fill(
    session: Session,
    settings: Settings,
    rng: random.Random,
    *,
    first_day: date,
    anchor: datetime,
) -> dict[str, int]:
    start = opened_on(first_day)
    codes = {d.id: d.code for d in session.scalars(select(District))}
    callers = session.execute(
        select(Customer.id, Customer.name, Customer.phone, Customer.address, Customer.district_id)
        .where(
            Customer.phone.is_not(None),
            Customer.address.is_not(None),
            Customer.district_id.is_not(None),
            ~exists().where(Account.customer_id == Customer.id),
        )
        .order_by(Customer.id)
    ).all()
    customer_rows, meter_rows, identities = [], [], []
    for c in callers:
        number = f"34{c.district_id:02d}{c.id:06d}"
        business = rng.random() < 0.04
        customer_rows.append(
            [
                number,
                c.name,
                c.address,
                codes[c.district_id],
                "AH-BIZ" if business else "AH-RES",
                start.isoformat(),
                c.phone,
                _area_class(c.address),
                "non_residential" if business else "residential",
            ]
        )
        meter_rows.append([f"HF{c.id:08d}", number, start.isoformat(), rng.randrange(100, 9000)])
        identities.append(
            {
                "id": c.id,
                "id_number": id_number(rng, codes[c.district_id], female=looks_female(c.name)),
            }
        )
    register_import.import_customers(
        session,
        _csv(
            [
                "account",
                "name",
                "address",
                "district",
                "tariff",
                "opened_on",
                "phone",
                "area_class",
                "category",
            ],
            customer_rows,
        ),
        file_name="demo-customers.csv",
        strict=True,
        by=system("demo"),
    )
    register_import.import_meters(
        session,
        _csv(["meter", "account", "installed_on", "initial"], meter_rows),
        file_name="demo-meters.csv",
        strict=True,
        by=system("demo"),
    )
    if identities:
        # The callers were known before their accounts: their ID numbers join their records.
        session.execute(update(Customer), identities)
    billed_until = clock.local_date(anchor).replace(day=1)
    readings = _readings(session, rng, billed_until)
    reading_import.import_readings(
        session,
        _csv(["meter", "read_on", "total", "source"], readings),
        file_name="demo-readings.csv",
        strict=True,
        by=system("demo"),
    )
    month = start
    while month < billed_until:
        bill_run.run(session, month, settings=settings, by=system("demo"))
        month = period_bounds(month)[1]
    paid = _payments(session, rng, anchor)
    return {"accounts": len(customer_rows), "readings": len(readings), "payments": paid}


def _readings(session: Session, rng: random.Random, billed_until: date) -> list[list[Any]]:
    """Month-end readings of every meter after its last one, up to the last whole month; one
    household's last month is implausible (held by the bill run) and a few are estimated."""
    rows: list[list[Any]] = []
    last = session.execute(
        select(Meter.number, MeterReading.read_on, MeterReading.total)
        .join(MeterReading, MeterReading.meter_id == Meter.id)
        .where(Meter.removed_on.is_(None))
        .order_by(Meter.id, MeterReading.read_on, MeterReading.id)
    ).all()
    latest = {number: (read_on, total) for number, read_on, total in last}
    for k, (number, (read_on, total)) in enumerate(sorted(latest.items())):
        base = rng.randrange(60, 320) * (4 if number == SHARED_METER else 1)
        ends = month_ends(read_on, billed_until)
        for i, end in enumerate(ends):
            used = _usage(rng, base, end.month)
            if k == 7 and i == len(ends) - 1:
                used *= 30  # a misread register or a fault: far more than ten times the usual
            total += used
            source = "estimated" if rng.random() < 0.02 else "actual"
            rows.append([number, end.isoformat(), total, source])
    return rows


def _payments(session: Session, rng: random.Random, anchor: datetime) -> int:
    """Most bills paid before they fall due; a tenth of the accounts stop paying two months
    before the end (arrears with late fees); the latest bills are about half paid."""
    bills = session.execute(
        select(Bill.account_id, Bill.period, Bill.amount, Bill.due_on).order_by(
            Bill.account_id, Bill.period
        )
    ).all()
    if not bills:
        return 0
    latest = max(b.period for b in bills)
    behind = {account_id for account_id in {b.account_id for b in bills} if rng.random() < 0.1}
    rows = []
    for b in bills:
        if b.amount <= 0:
            continue
        if b.account_id in behind and (latest - b.period).days < 62:
            continue
        if b.period == latest and rng.random() < 0.5:
            continue
        day = b.due_on - timedelta(days=rng.randrange(1, 15))
        paid_at = clock.at(day, datetime.min.time()) + timedelta(minutes=rng.randrange(480, 1260))
        if paid_at > anchor:
            continue
        rows.append(
            {
                "account_id": b.account_id,
                "amount": b.amount,
                "channel": rng.choice(("bank", "online", "online", "counter")),
                "paid_at": paid_at,
                "reference": f"DEMO-{b.account_id}-{b.period:%Y%m}",
                "created_at": paid_at,
            }
        )
    if rows:
        session.execute(insert(Payment), rows)
    return len(rows)
