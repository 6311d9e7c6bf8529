"""Customers with their accounts, and meters with the households they serve, from files.

Customers file — one row per account (户号): account, name, address, district, tariff, opened_on
[, phone, id_number, area_class, category, latitude, longitude]. A customer already known by ID
number (or by phone and the same name) gets the new account; otherwise rows with the same ID
number (or phone and name) become one new customer. The service address is a premises of the
district, found or made; the coordinates, when given, are the premises' (a premises without any
takes them, one that has others refuses the row).

Meters file — one row per meter: meter, account, installed_on [, multiplier, digits, tou, initial,
initial_peak, initial_valley, serves]. `serves` lists the service addresses of the households the
meter serves, separated by ';' (more than one: a 合表); left empty, the account's own premises.
The installation reading is the meter's `initial` register value.

Rows are checked against the database and against the rows above them; new rows go in set-based
(one INSERT per table and chunk), see `imports` for the rest of the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.customers.accounts import ACCOUNT_NUMBER, AREA_CLASSES, CATEGORIES
from quarterhour.customers.models import (
    Account,
    Customer,
    Meter,
    MeterHousehold,
    MeterReading,
    Premises,
)
from quarterhour.customers.service import normalise_phone
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.id_card import checked_id_number
from quarterhour.kit.masking import last_four
from quarterhour.organisation.models import District
from quarterhour.records import imports
from quarterhour.records.imports import ImportReport, Problem, Row, RowProblem
from quarterhour.tariffs.models import Tariff

CUSTOMER_COLUMNS = ("account", "name", "address", "district", "tariff", "opened_on")
METER_COLUMNS = ("meter", "account", "installed_on")
_SEPARATORS = re.compile(r"[;；]")

# A reference to a row: ("old", id) already in the database, or ("new", index) in this file.
Ref = tuple[str, int]
Position = tuple[Decimal, Decimal]  # latitude, longitude


@dataclass
class _Premises:
    """Service addresses by (district, address): those in the database and those to be made."""

    known: dict[tuple[int, str], int] = field(default_factory=dict)
    new: list[dict[str, Any]] = field(default_factory=list)
    made: dict[tuple[int, str], int] = field(default_factory=dict)
    # Where each premises is, as stored or as an earlier row of the file gave it.
    positions: dict[Ref, Position] = field(default_factory=dict)
    located: dict[int, Position] = field(default_factory=dict)  # known premises given one

    def load(self, session: Session, addresses: set[str]) -> None:
        query = select(
            Premises.id,
            Premises.district_id,
            Premises.address,
            Premises.latitude,
            Premises.longitude,
        )
        for row in imports.rows_where_in(session, query, Premises.address, addresses):
            self.known.setdefault((row.district_id, row.address), row.id)
            if row.latitude is not None and row.longitude is not None:
                self.positions[("old", row.id)] = (row.latitude, row.longitude)

    def _existing(self, key: tuple[int, str]) -> Ref | None:
        if key in self.known:
            return ("old", self.known[key])
        return ("new", self.made[key]) if key in self.made else None

    def check(self, district_id: int, address: str, position: Position | None) -> None:
        """Before anything of the row is planned: a premises is in one place."""
        ref = self._existing((district_id, address))
        had = self.positions.get(ref) if ref is not None else None
        if position is not None and had is not None and had != position:
            latitude, longitude = had
            raise RowProblem(
                "latitude", f"the premises at this address lies at {latitude}, {longitude} already"
            )

    def ref(
        self, district_id: int, address: str, area_class: str, position: Position | None = None
    ) -> Ref:
        key = (district_id, address)
        ref = self._existing(key)
        if ref is None:
            ref = ("new", len(self.new))
            self.made[key] = ref[1]
            self.new.append(
                {
                    "address": address,
                    "district_id": district_id,
                    "area_class": area_class,
                    "latitude": None,
                    "longitude": None,
                    "created_at": clock.now(),
                }
            )
        if position is not None and ref not in self.positions:
            self.positions[ref] = position
            kind, index = ref
            if kind == "old":
                self.located[index] = position
            else:
                self.new[index]["latitude"], self.new[index]["longitude"] = position
        return ref

    def insert(self, session: Session) -> list[int]:
        if self.located:
            # Premises on record without coordinates: the file places them (executemany by key).
            session.execute(
                update(Premises),
                [
                    {"id": id_, "latitude": lat, "longitude": lon}
                    for id_, (lat, lon) in sorted(self.located.items())
                ],
            )
        return _insert_returning_ids(session, Premises, self.new)


def _insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for chunk in imports.chunks(rows):
        ids.extend(
            session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), chunk)
        )
    return ids


def _resolve(ref: Ref, made: list[int]) -> int:
    where, value = ref
    return value if where == "old" else made[value]


# --- customers and accounts -------------------------------------------------------------


@dataclass
class _Identities:
    """Customers by ("id", ID number) and ("phone", phone + name), and the name an ID number
    belongs to; those of the database first, then those this file makes."""

    refs: dict[tuple[str, str], Ref] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class _CustomerPlan:
    premises: _Premises
    customers: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[tuple[Ref, Ref, dict[str, Any]]] = field(default_factory=list)


def import_customers(
    session: Session, data: bytes, *, file_name: str, strict: bool = False, by: Actor
) -> ImportReport:
    require(by, Permission.IMPORT_RECORDS)
    return imports.run(
        session,
        data,
        kind="customers",
        file_name=file_name,
        required=CUSTOMER_COLUMNS,
        strict=strict,
        by_id=by.id,
        plan=_plan_customers,
        write=_write_customers,
    )


def _districts(session: Session) -> dict[str, int]:
    found: dict[str, int] = {}
    for district in session.scalars(select(District)):
        found[district.code] = found[district.name] = district.id
    return found


def _existing(session: Session, column: Any, values: set[str]) -> set[str]:
    return {value for (value,) in imports.rows_where_in(session, select(column), column, values)}


def _plan_customers(
    session: Session, rows: list[Row], report: ImportReport
) -> tuple[_CustomerPlan, int]:
    districts = _districts(session)
    tariffs = {t.code: t.id for t in session.scalars(select(Tariff))}
    taken = _existing(session, Account.number, {v.get("account", "") for _, v in rows})
    plan = _CustomerPlan(_Premises())
    plan.premises.load(session, {v.get("address", "") for _, v in rows})
    # Customers already known, by ID number and by (phone, name).
    known = _Identities()
    id_numbers = {v["id_number"].upper() for _, v in rows if v.get("id_number")}
    phones = {phone for _, v in rows if (phone := _phone_or_none(v.get("phone")))}
    by_id_number = select(Customer.id, Customer.id_number, Customer.name)
    for c in imports.rows_where_in(session, by_id_number, Customer.id_number, id_numbers):
        known.refs[("id", c.id_number)] = ("old", c.id)
        known.names[c.id_number] = c.name
    by_phone = select(Customer.id, Customer.phone, Customer.name)
    for c in imports.rows_where_in(session, by_phone, Customer.phone, phones):
        known.refs.setdefault(("phone", f"{c.phone}\x00{c.name}"), ("old", c.id))
    accepted = 0
    for n, values in rows:
        try:
            _plan_customer_row(values, plan, districts, tariffs, taken, known)
            accepted += 1
        except RowProblem as problem:
            report.problems.append(Problem(n, problem.field, problem.message, values))
    return plan, accepted


def _phone_or_none(text: str | None) -> str | None:
    # For looking up known customers; the row's own check reports a malformed phone.
    try:
        return normalise_phone(text, field="phone")
    except ValidationFailed:
        return None


def _plan_customer_row(
    values: dict[str, str],
    plan: _CustomerPlan,
    districts: dict[str, int],
    tariffs: dict[str, int],
    taken: set[str],
    known: _Identities,
) -> None:
    number = values.get("account", "")
    if not ACCOUNT_NUMBER.match(number):
        raise RowProblem("account", "an account number has 6 to 20 digits")
    if number in taken:
        raise RowProblem("account", f"account {number} exists already")
    name = imports.text_field(values, "name", 64)
    address = imports.text_field(values, "address", 200)
    district_id = districts.get(values.get("district", ""))
    if district_id is None:
        raise RowProblem("district", f"no district {values.get('district')!r} (code or name)")
    tariff_id = tariffs.get(values.get("tariff", ""))
    if tariff_id is None:
        raise RowProblem("tariff", f"no tariff {values.get('tariff')!r} (see billing tariffs list)")
    opened_on = imports.date_field(values, "opened_on")
    try:
        phone = normalise_phone(values.get("phone"), field="phone")
    except ValidationFailed as error:
        raise RowProblem("phone", error.message) from None
    id_number = None
    if values.get("id_number"):
        try:
            id_number = checked_id_number(values["id_number"])
        except ValueError as error:
            raise RowProblem("id_number", str(error)) from None
    area_class = values.get("area_class") or "urban"
    if area_class not in AREA_CLASSES:
        raise RowProblem("area_class", f"one of {', '.join(AREA_CLASSES)}")
    category = values.get("category") or "residential"
    if category not in CATEGORIES:
        raise RowProblem("category", f"one of {', '.join(CATEGORIES)}")
    if id_number is not None and known.names.get(id_number, name) != name:
        raise RowProblem("id_number", "this ID number belongs to a customer of another name")
    position = imports.position_fields(values)
    plan.premises.check(district_id, address, position)
    customer = _customer_ref(plan, known, name, phone, id_number, address, district_id)
    premises = plan.premises.ref(district_id, address, area_class, position)
    taken.add(number)
    plan.accounts.append(
        (
            customer,
            premises,
            {
                "number": number,
                "category": category,
                "tariff_id": tariff_id,
                "phone": phone,
                "phone_last4": last_four(phone),
                "opened_on": opened_on,
                "created_at": clock.now(),
            },
        )
    )


def _customer_ref(
    plan: _CustomerPlan,
    known: _Identities,
    name: str,
    phone: str | None,
    id_number: str | None,
    address: str,
    district_id: int,
) -> Ref:
    keys = []
    if id_number is not None:
        keys.append(("id", id_number))
    if phone is not None:
        keys.append(("phone", f"{phone}\x00{name}"))
    for key in keys:
        if key in known.refs:
            return known.refs[key]
    ref: Ref = ("new", len(plan.customers))
    plan.customers.append(
        {
            "name": name,
            "phone": phone,
            "phone_last4": last_four(phone),
            "address": address,
            "district_id": district_id,
            "id_number": id_number,
            "created_at": clock.now(),
        }
    )
    for key in keys:
        known.refs[key] = ref
    if id_number is not None:
        known.names[id_number] = name
    return ref


def _write_customers(session: Session, plan: _CustomerPlan, batch_id: int) -> None:
    customers = _insert_returning_ids(session, Customer, plan.customers)
    premises = plan.premises.insert(session)
    rows = []
    for customer, place, account in plan.accounts:
        registered = account["phone"]
        if registered is None and customer[0] == "new":
            registered = plan.customers[customer[1]]["phone"]
        rows.append(
            account
            | {
                "customer_id": _resolve(customer, customers),
                "premises_id": _resolve(place, premises),
                "phone": registered,
                "phone_last4": last_four(registered),
            }
        )
    imports.insert_all(session, Account, rows)


# --- meters -----------------------------------------------------------------------------


@dataclass
class _MeterPlan:
    premises: _Premises
    meters: list[dict[str, Any]] = field(default_factory=list)
    serves: list[list[Ref]] = field(default_factory=list)


@dataclass(frozen=True)
class _Owner:
    id: int
    opened_on: date
    premises_id: int
    district_id: int
    area_class: str


def import_meters(
    session: Session, data: bytes, *, file_name: str, strict: bool = False, by: Actor
) -> ImportReport:
    require(by, Permission.IMPORT_RECORDS)
    return imports.run(
        session,
        data,
        kind="meters",
        file_name=file_name,
        required=METER_COLUMNS,
        strict=strict,
        by_id=by.id,
        plan=_plan_meters,
        write=_write_meters,
    )


def _plan_meters(session: Session, rows: list[Row], report: ImportReport) -> tuple[_MeterPlan, int]:
    taken = _existing(session, Meter.number, {v.get("meter", "") for _, v in rows})
    query = select(
        Account.number,
        Account.id,
        Account.opened_on,
        Account.premises_id,
        Premises.district_id,
        Premises.area_class,
    ).join(Premises, Premises.id == Account.premises_id)
    numbers = {v.get("account", "") for _, v in rows}
    owners = {
        a.number: _Owner(a.id, a.opened_on, a.premises_id, a.district_id, a.area_class)
        for a in imports.rows_where_in(session, query, Account.number, numbers)
    }
    plan = _MeterPlan(_Premises())
    served = {
        address.strip()
        for _, v in rows
        for address in _SEPARATORS.split(v.get("serves", ""))
        if address.strip()
    }
    plan.premises.load(session, served)
    accepted = 0
    for n, values in rows:
        try:
            _plan_meter_row(values, plan, owners, taken)
            accepted += 1
        except RowProblem as problem:
            report.problems.append(Problem(n, problem.field, problem.message, values))
    return plan, accepted


def _plan_meter_row(
    values: dict[str, str], plan: _MeterPlan, owners: dict[str, _Owner], taken: set[str]
) -> None:
    number = imports.text_field(values, "meter", 32)
    if number in taken:
        raise RowProblem("meter", f"meter {number} exists already")
    owner = owners.get(values.get("account", ""))
    if owner is None:
        raise RowProblem(
            "account", f"no account {values.get('account')!r} (import customers first)"
        )
    installed_on = imports.date_field(values, "installed_on")
    if installed_on > clock.now().date():
        # Its installation reading would come before every real reading until that day.
        raise RowProblem("installed_on", f"{installed_on} has not come yet")
    if installed_on < owner.opened_on:
        raise RowProblem("installed_on", f"before the account was opened on {owner.opened_on}")
    multiplier = imports.whole_field(values, "multiplier", 1, 1, 100_000)
    digits = imports.whole_field(values, "digits", 6, 4, 10)
    tou = imports.flag_field(values, "tou")
    registers: dict[str, Decimal | None] = {}
    for name in ("initial", "initial_peak", "initial_valley"):
        registers[name] = imports.number_field(values, name)
        imports.check_register(name, registers[name], digits)
    addresses = [a.strip() for a in _SEPARATORS.split(values.get("serves", "")) if a.strip()]
    if any(len(a) > 200 for a in addresses):
        raise RowProblem("serves", "an address is longer than 200 characters")
    if len(set(addresses)) != len(addresses):
        raise RowProblem("serves", "an address is listed twice")
    households: list[Ref] = (
        [plan.premises.ref(owner.district_id, a, owner.area_class) for a in addresses]
        if addresses
        else [("old", owner.premises_id)]
    )
    taken.add(number)
    plan.serves.append(households)
    plan.meters.append(
        {
            "number": number,
            "account_id": owner.id,
            "multiplier": multiplier,
            "digits": digits,
            "is_time_of_use": tou,
            "is_shared": len(households) > 1,
            "installed_on": installed_on,
            "initial": registers["initial"] or Decimal(0),
            "initial_peak": (registers["initial_peak"] or Decimal(0)) if tou else None,
            "initial_valley": (registers["initial_valley"] or Decimal(0)) if tou else None,
        }
    )


def _write_meters(session: Session, plan: _MeterPlan, batch_id: int) -> None:
    premises = plan.premises.insert(session)
    registers = [
        (m.pop("initial"), m.pop("initial_peak"), m.pop("initial_valley")) for m in plan.meters
    ]
    meters = _insert_returning_ids(session, Meter, plan.meters)
    now = clock.now()
    links = [
        {"meter_id": meter_id, "premises_id": _resolve(ref, premises), "since": row["installed_on"]}
        for meter_id, row, households in zip(meters, plan.meters, plan.serves, strict=True)
        for ref in households
    ]
    readings = [
        {
            "meter_id": meter_id,
            "period": row["installed_on"].replace(day=1),
            "read_on": row["installed_on"],
            "kind": "initial",
            "source": "actual",
            "total": total,
            "peak": peak,
            "valley": valley,
            "rolled_over": False,
            "import_batch_id": batch_id,
            "created_at": now,
        }
        for meter_id, row, (total, peak, valley) in zip(meters, plan.meters, registers, strict=True)
    ]
    imports.insert_all(session, MeterHousehold, links)
    imports.insert_all(session, MeterReading, readings)
