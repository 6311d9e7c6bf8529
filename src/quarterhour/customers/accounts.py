"""Customer records: premises, accounts (户号), meters and the households they serve, readings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, can, require
from quarterhour.customers.models import (
    Account,
    Customer,
    Meter,
    MeterHousehold,
    MeterReading,
    Premises,
)
from quarterhour.customers.service import normalise_phone
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.masking import last_four

ACCOUNT_NUMBER = re.compile(r"^\d{6,20}$")
AREA_CLASSES = ("urban", "rural", "remote")
CATEGORIES = ("residential", "non_residential")


def add_premises(
    session: Session, *, by: Actor, address: str, district_id: int, area_class: str = "urban"
) -> Premises:
    require(by, Permission.IMPORT_RECORDS)
    if not address.strip():
        raise ValidationFailed("a premises needs an address", field="address")
    if area_class not in AREA_CLASSES:
        raise ValidationFailed(
            f"area_class must be one of {', '.join(AREA_CLASSES)}", field="area_class"
        )
    premises = Premises(
        address=address.strip(),
        district_id=district_id,
        area_class=area_class,
        created_at=clock.now(),
    )
    session.add(premises)
    session.flush()
    return premises


def open_account(
    session: Session,
    *,
    customer: Customer,
    premises: Premises,
    tariff_id: int,
    category: str = "residential",
    phone: str | None = None,
    opened_on: date,
    number: str | None = None,
) -> Account:
    """A new 户号; without a number given, the next one (ten digits, from the account's id)."""
    if category not in CATEGORIES:
        raise ValidationFailed(f"category must be one of {', '.join(CATEGORIES)}", field="category")
    if number is not None and not ACCOUNT_NUMBER.match(number):
        raise ValidationFailed("an account number has 6 to 20 digits", field="number")
    if number is not None and session.scalar(select(Account.id).where(Account.number == number)):
        raise Conflict(f"account {number} exists already", field="number")
    registered = normalise_phone(phone, field="phone") if phone else customer.phone
    account = Account(
        number=number or "pending",
        customer_id=customer.id,
        premises_id=premises.id,
        category=category,
        tariff_id=tariff_id,
        phone=registered,
        phone_last4=last_four(registered),
        opened_on=opened_on,
        created_at=clock.now(),
    )
    session.add(account)
    session.flush()
    if number is None:
        account.number = f"{account.id:010d}"
        session.flush()
    return account


def install_meter(
    session: Session,
    *,
    account: Account,
    number: str,
    installed_on: date,
    households: Sequence[Premises],
    multiplier: int = 1,
    digits: int = 6,
    is_time_of_use: bool = False,
    initial: Decimal = Decimal(0),
    initial_peak: Decimal | None = None,
    initial_valley: Decimal | None = None,
) -> Meter:
    """A meter billed to `account`, serving `households` (more than one: a 合表), with the
    register value it was installed at."""
    if not households:
        raise ValidationFailed("a meter serves at least one household", field="households")
    if installed_on > clock.now().date():
        raise ValidationFailed(
            f"installed_on: {installed_on} has not come yet", field="installed_on"
        )
    if multiplier < 1:
        raise ValidationFailed("multiplier must be a positive whole number", field="multiplier")
    if not 4 <= digits <= 10:
        raise ValidationFailed("a register has 4 to 10 digits", field="digits")
    if session.scalar(select(Meter.id).where(Meter.number == number)):
        raise Conflict(f"meter {number} exists already", field="number")
    meter = Meter(
        number=number,
        account_id=account.id,
        multiplier=multiplier,
        digits=digits,
        is_time_of_use=is_time_of_use,
        is_shared=len(households) > 1,
        installed_on=installed_on,
    )
    session.add(meter)
    session.flush()
    for premises in households:
        session.add(MeterHousehold(meter_id=meter.id, premises_id=premises.id, since=installed_on))
    record_reading(
        session,
        meter=meter,
        read_on=installed_on,
        total=initial,
        peak=initial_peak if is_time_of_use else None,
        valley=initial_valley if is_time_of_use else None,
        kind="initial",
    )
    return meter


def remove_household(session: Session, meter: Meter, premises_id: int) -> None:
    """A household leaves a shared meter (it got its own): the meter may stop being shared."""
    link = session.get(MeterHousehold, (meter.id, premises_id))
    if link is None:
        raise NotFound(
            f"meter {meter.number} does not serve premises {premises_id}", field="premises_id"
        )
    session.delete(link)
    session.flush()
    left = session.scalars(
        select(MeterHousehold.premises_id).where(MeterHousehold.meter_id == meter.id)
    ).all()
    meter.is_shared = len(left) > 1


def shared_households_near(
    session: Session, address: str, district_id: int | None, limit: int = 50
) -> list[tuple[str, int, str]]:
    """The households on shared meters (合表) at an address: (meter number, premises id, premises
    address). A 分户装表 order names the building; its handler picks the flat from these."""
    typed = address.strip()
    if not typed:
        return []
    pattern = "%" + typed.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    query = (
        select(Meter.number, Premises.id, Premises.address)
        .join(MeterHousehold, MeterHousehold.meter_id == Meter.id)
        .join(Premises, Premises.id == MeterHousehold.premises_id)
        .where(
            Meter.is_shared.is_(True),
            Meter.removed_on.is_(None),
            Premises.address.like(pattern, escape="/"),
        )
        .order_by(Meter.number, Premises.address)
        .limit(limit)
    )
    if district_id is not None:
        query = query.where(Premises.district_id == district_id)
    return [(number, premises_id, where) for number, premises_id, where in session.execute(query)]


def households_of(session: Session, meter_id: int) -> list[int]:
    return list(
        session.scalars(
            select(MeterHousehold.premises_id)
            .where(MeterHousehold.meter_id == meter_id)
            .order_by(MeterHousehold.premises_id)
        )
    )


def record_reading(
    session: Session,
    *,
    meter: Meter,
    read_on: date,
    total: Decimal,
    peak: Decimal | None = None,
    valley: Decimal | None = None,
    kind: str = "regular",
    source: str = "actual",
    rolled_over: bool = False,
    period: date | None = None,
) -> MeterReading:
    """A register value. Lower than the previous one is refused unless the register rolled
    over; the bill run decides what the consumption means. A reading is of a day that has come
    (one dated ahead would make every real reading until then look out of order) and not before
    the meter was installed."""
    reading_day_problem(meter, read_on, field="read_on")
    if kind not in ("regular", "initial", "final"):
        raise ValidationFailed("kind must be regular, initial or final", field="kind")
    if source not in ("actual", "estimated"):
        raise ValidationFailed("source must be actual or estimated", field="source")
    limit = Decimal(10) ** meter.digits
    for name, value in (("total", total), ("peak", peak), ("valley", valley)):
        if value is not None and not 0 <= value < limit:
            raise ValidationFailed(
                f"{name} must be between 0 and {limit - 1} on a {meter.digits}-digit register",
                field=name,
            )
    if meter.is_time_of_use and kind != "initial" and (peak is None or valley is None):
        raise ValidationFailed(
            "a time-of-use meter reads peak and valley too",
            field="peak" if peak is None else "valley",
        )
    previous = None
    if kind != "initial":
        previous = session.scalar(
            select(MeterReading)
            .where(
                MeterReading.meter_id == meter.id,
                MeterReading.read_on <= read_on,
                MeterReading.voided_at.is_(None),
            )
            .order_by(MeterReading.read_on.desc(), MeterReading.id.desc())
            .limit(1)
        )
        if previous is None:
            raise ValidationFailed(
                f"meter {meter.number} has no reading before {read_on}", field="read_on"
            )
        if total < previous.total and not rolled_over:
            raise ValidationFailed(
                f"{total} is lower than the previous reading {previous.total} of {previous.read_on};"
                " mark it rolled_over if the register passed its maximum",
                field="total",
            )
    reading = MeterReading(
        meter_id=meter.id,
        period=(period or read_on).replace(day=1),
        read_on=read_on,
        kind=kind,
        source=source,
        total=total,
        peak=peak,
        valley=valley,
        rolled_over=rolled_over,
        previous_total=previous.total if previous else None,
        previous_peak=previous.peak if previous else None,
        previous_valley=previous.valley if previous else None,
        created_at=clock.now(),
    )
    session.add(reading)
    session.flush()
    return reading


def reading_day_problem(meter: Meter, read_on: date, *, field: str) -> None:
    """ValidationFailed naming `field` unless a reading of `meter` may be dated `read_on`."""
    if read_on > clock.now().date():
        raise ValidationFailed(f"{field}: {read_on} has not come yet", field=field)
    if read_on < meter.installed_on:
        raise ValidationFailed(
            f"{field}: before meter {meter.number} was installed on {meter.installed_on}",
            field=field,
        )


def void_reading(
    session: Session, account_number: str, reading_id: int, *, by: Actor, reason: str
) -> MeterReading:
    """A wrong reading set aside (作废) by an administrator, with the reason: it stays in the
    meter's history, the bill run passes over it, and the reading after it now follows the one
    before it (its 上次示数 become the voided reading's own), so the next reading is checked
    against the last one in force. The bills of its month change when the month is run again."""
    require(by, Permission.VOID_READING)
    why = reason.strip()
    if not why:
        raise ValidationFailed("reason: say why the reading is wrong", field="reason")
    found = session.execute(
        select(MeterReading, Meter)
        .join(Meter, Meter.id == MeterReading.meter_id)
        .join(Account, Account.id == Meter.account_id)
        .where(MeterReading.id == reading_id, Account.number == account_number)
    ).first()
    if found is None:
        raise NotFound(
            f"no reading {reading_id} of a meter of account {account_number}", field="reading_id"
        )
    return set_aside(session, found[0], found[1], by=by, reason=why)


def set_aside(
    session: Session, reading: MeterReading, meter: Meter, *, by: Actor, reason: str
) -> MeterReading:
    """What voiding does, for a caller that has checked its actor (void_reading; a held month's
    review, billing/reading_review): the reading is marked, and the next one in force follows
    the one before it."""
    if reading.voided_at is not None:
        raise Conflict(f"reading {reading.id} was voided already", field="reading_id")
    if reading.kind == "initial":
        raise Conflict(
            "an installation reading starts the meter's register; it cannot be voided",
            field="reading_id",
        )
    reading.voided_at = clock.now()
    reading.voided_by_id = by.id
    reading.void_reason = reason[:200]
    following = following_reading(session, reading, meter)
    if following is not None and following.kind != "initial":
        following.previous_total = reading.previous_total
        following.previous_peak = reading.previous_peak
        following.previous_valley = reading.previous_valley
    session.flush()
    return reading


def following_reading(session: Session, reading: MeterReading, meter: Meter) -> MeterReading | None:
    """The reading in force that comes after `reading` on its meter (it follows `reading`)."""
    return session.scalar(
        select(MeterReading)
        .where(
            MeterReading.meter_id == meter.id,
            MeterReading.voided_at.is_(None),
            MeterReading.id != reading.id,
            (MeterReading.read_on > reading.read_on)
            | ((MeterReading.read_on == reading.read_on) & (MeterReading.id > reading.id)),
        )
        .order_by(MeterReading.read_on, MeterReading.id)
        .limit(1)
    )


def account_readings(
    session: Session, account_number: str, *, by: Actor
) -> tuple[Account, list[tuple[Meter, list[MeterReading]]]]:
    """An account's meters, each with its readings oldest first, voided ones included (they
    are its history): for those who see customers, and for the administrator who voids."""
    if not can(by, Permission.VOID_READING):
        require(by, Permission.VIEW_CUSTOMERS)
    account = get_account(session, account_number)
    meters = session.scalars(
        select(Meter).where(Meter.account_id == account.id).order_by(Meter.installed_on, Meter.id)
    ).all()
    return account, [(meter, readings_of(session, meter.id)) for meter in meters]


def get_account(session: Session, number: str) -> Account:
    account = session.scalar(select(Account).where(Account.number == number))
    if account is None:
        raise NotFound(f"no account {number}", field="account")
    return account


def split_from_shared_meter(
    session: Session,
    *,
    customer: Customer,
    shared_meter_number: str,
    premises_id: int,
    tariff_id: int,
    new_meter_number: str,
    installed_on: date,
    initial: Decimal = Decimal(0),
    shared_meter_reading: Decimal | None = None,
    multiplier: int = 1,
    digits: int = 6,
    work_order_id: int | None = None,
) -> tuple[Account, Meter]:
    """分户装表: one household of a 合表 gets its own meter and account (一户一表).

    The shared meter is read at the split, so what was used before stays on the shared account;
    the household leaves the shared meter's list, and the new account is billed on its own
    tariff from the installation reading on."""
    if installed_on > clock.now().date():
        raise ValidationFailed(
            f"installed_on: {installed_on} has not come yet", field="installed_on"
        )
    shared = session.scalar(select(Meter).where(Meter.number == shared_meter_number.strip()))
    if shared is None:
        raise NotFound(f"no meter {shared_meter_number}", field="shared_meter")
    if not shared.is_shared:
        raise ValidationFailed(
            f"meter {shared.number} serves one household already", field="shared_meter"
        )
    if premises_id not in households_of(session, shared.id):
        raise ValidationFailed(
            f"meter {shared.number} does not serve premises {premises_id}", field="premises_id"
        )
    premises = session.get(Premises, premises_id)
    assert premises is not None  # a household of the meter, so it exists
    if shared_meter_reading is not None:
        reading_day_problem(shared, installed_on, field="installed_on")
        record_reading(session, meter=shared, read_on=installed_on, total=shared_meter_reading)
    account = open_account(
        session,
        customer=customer,
        premises=premises,
        tariff_id=tariff_id,
        category="residential",
        opened_on=installed_on,
    )
    meter = install_meter(
        session,
        account=account,
        number=new_meter_number.strip(),
        installed_on=installed_on,
        households=[premises],
        multiplier=multiplier,
        digits=digits,
        initial=initial,
    )
    meter.work_order_id = work_order_id
    remove_household(session, shared, premises_id)
    return account, meter


def readings_of(session: Session, meter_id: int) -> list[MeterReading]:
    return list(
        session.scalars(
            select(MeterReading)
            .where(MeterReading.meter_id == meter_id)
            .order_by(MeterReading.read_on, MeterReading.id)
        )
    )
