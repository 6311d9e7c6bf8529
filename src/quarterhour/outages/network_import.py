"""The supply network from files, like the customer register (see `records.imports`).

Feeders file (线路) — feeder, name, district (code or name).
Transformers file (台区) — transformer, name, feeder[, latitude, longitude].
Supply file (户变关系) — account, transformer: the account's premises is supplied by it.

The network changes (a line is renamed, a 台区 split, a household moved to a new transformer), so
a row naming a code already known updates it when it says something new and counts as
`unchanged` when it repeats what is recorded; the same file twice changes nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.customers.models import Account
from quarterhour.organisation.models import District
from quarterhour.outages.models import Feeder, PremisesSupply, TransformerArea
from quarterhour.records import imports
from quarterhour.records.imports import ImportReport, Problem, Row, RowProblem

FEEDER_COLUMNS = ("feeder", "name", "district")
TRANSFORMER_COLUMNS = ("transformer", "name", "feeder")
SUPPLY_COLUMNS = ("account", "transformer")
CODE_LENGTH = 32


@dataclass
class _Plan:
    """Rows to insert, and rows to update by id (with their new values)."""

    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)


def _sort_into(
    plan: _Plan, report: ImportReport, old: Any, row: dict[str, Any], compared: tuple[str, ...]
) -> None:
    """A row the file gives: new, the same as the known one `old` (compared on `compared`), or
    a change of it (updated by its id: the network changes)."""
    if old is None:
        plan.new.append(row)
    elif all(getattr(old, name) == row[name] for name in compared):
        report.unchanged += 1
    else:
        plan.changed.append(row | {"id": old.id})


def _write(model: Any, key: str) -> Any:
    def write(session: Session, plan: _Plan, batch_id: int) -> None:
        imports.insert_all(
            session, model, [row | {"import_batch_id": batch_id} for row in plan.new]
        )
        for row in plan.changed:
            values = {k: v for k, v in row.items() if k != key} | {"import_batch_id": batch_id}
            session.execute(update(model).where(getattr(model, key) == row[key]).values(values))

    return write


def _code(values: dict[str, str], name: str) -> str:
    code = imports.text_field(values, name, CODE_LENGTH)
    if any(c.isspace() for c in code):
        raise RowProblem(name, "a code has no spaces")
    return code


def _once(seen: set[str], code: str, name: str) -> None:
    if code in seen:
        raise RowProblem(name, f"{code} is given twice in this file")
    seen.add(code)


# --- feeders --------------------------------------------------------------------------------


def import_feeders(
    session: Session, data: bytes, *, file_name: str, strict: bool = False, by: Actor
) -> ImportReport:
    require(by, Permission.IMPORT_RECORDS)
    return imports.run(
        session,
        data,
        kind="feeders",
        file_name=file_name,
        required=FEEDER_COLUMNS,
        strict=strict,
        by_id=by.id,
        plan=_plan_feeders,
        write=_write(Feeder, "id"),
    )


def _plan_feeders(session: Session, rows: list[Row], report: ImportReport) -> tuple[_Plan, int]:
    districts: dict[str, int] = {}
    for district in session.scalars(select(District)):
        districts[district.code] = districts[district.name] = district.id
    query = select(Feeder.code, Feeder.id, Feeder.name, Feeder.district_id)
    known = {
        f.code: f
        for f in imports.rows_where_in(
            session, query, Feeder.code, {v.get("feeder", "") for _, v in rows}
        )
    }
    plan, seen, accepted = _Plan(), set[str](), 0
    for n, values in rows:
        try:
            code = _code(values, "feeder")
            _once(seen, code, "feeder")
            name = imports.text_field(values, "name", 64)
            district_id = districts.get(values.get("district", ""))
            if district_id is None:
                raise RowProblem(
                    "district", f"no district {values.get('district')!r} (code or name)"
                )
        except RowProblem as problem:
            report.problems.append(Problem(n, problem.field, problem.message, values))
            continue
        accepted += 1
        row = {"code": code, "name": name, "district_id": district_id}
        _sort_into(plan, report, known.get(code), row, ("name", "district_id"))
    return plan, accepted


# --- transformers ---------------------------------------------------------------------------


def import_transformers(
    session: Session, data: bytes, *, file_name: str, strict: bool = False, by: Actor
) -> ImportReport:
    require(by, Permission.IMPORT_RECORDS)
    return imports.run(
        session,
        data,
        kind="transformers",
        file_name=file_name,
        required=TRANSFORMER_COLUMNS,
        strict=strict,
        by_id=by.id,
        plan=_plan_transformers,
        write=_write(TransformerArea, "id"),
    )


def _plan_transformers(
    session: Session, rows: list[Row], report: ImportReport
) -> tuple[_Plan, int]:
    feeders = dict(
        imports.rows_where_in(
            session,
            select(Feeder.code, Feeder.id),
            Feeder.code,
            {v.get("feeder", "") for _, v in rows},
        )
    )
    query = select(
        TransformerArea.code,
        TransformerArea.id,
        TransformerArea.name,
        TransformerArea.feeder_id,
        TransformerArea.latitude,
        TransformerArea.longitude,
    )
    codes = {v.get("transformer", "") for _, v in rows}
    known = {t.code: t for t in imports.rows_where_in(session, query, TransformerArea.code, codes)}
    plan, seen, accepted = _Plan(), set[str](), 0
    for n, values in rows:
        try:
            code = _code(values, "transformer")
            _once(seen, code, "transformer")
            name = imports.text_field(values, "name", 64)
            feeder_id = feeders.get(values.get("feeder", ""))
            if feeder_id is None:
                raise RowProblem(
                    "feeder", f"no feeder {values.get('feeder')!r} (import feeders first)"
                )
            latitude, longitude = imports.position_fields(values) or (None, None)
        except RowProblem as problem:
            report.problems.append(Problem(n, problem.field, problem.message, values))
            continue
        accepted += 1
        row = {
            "code": code,
            "name": name,
            "feeder_id": feeder_id,
            "latitude": latitude,
            "longitude": longitude,
        }
        _sort_into(
            plan, report, known.get(code), row, ("name", "feeder_id", "latitude", "longitude")
        )
    return plan, accepted


# --- which transformer supplies which premises --------------------------------------------


def import_supply(
    session: Session, data: bytes, *, file_name: str, strict: bool = False, by: Actor
) -> ImportReport:
    require(by, Permission.IMPORT_RECORDS)
    return imports.run(
        session,
        data,
        kind="supply",
        file_name=file_name,
        required=SUPPLY_COLUMNS,
        strict=strict,
        by_id=by.id,
        plan=_plan_supply,
        write=_write(PremisesSupply, "premises_id"),
    )


def _plan_supply(session: Session, rows: list[Row], report: ImportReport) -> tuple[_Plan, int]:
    premises = dict(
        imports.rows_where_in(
            session,
            select(Account.number, Account.premises_id),
            Account.number,
            {v.get("account", "") for _, v in rows},
        )
    )
    transformers = dict(
        imports.rows_where_in(
            session,
            select(TransformerArea.code, TransformerArea.id),
            TransformerArea.code,
            {v.get("transformer", "") for _, v in rows},
        )
    )
    known = dict(
        imports.rows_where_in(
            session,
            select(PremisesSupply.premises_id, PremisesSupply.transformer_id),
            PremisesSupply.premises_id,
            set(premises.values()),
        )
    )
    plan, accepted = _Plan(), 0
    given: dict[int, tuple[int, int]] = {}  # premises → (transformer, the row that said so)
    for n, values in rows:
        try:
            premises_id = premises.get(values.get("account", ""))
            if premises_id is None:
                raise RowProblem(
                    "account", f"no account {values.get('account')!r} (import customers first)"
                )
            transformer_id = transformers.get(values.get("transformer", ""))
            if transformer_id is None:
                raise RowProblem(
                    "transformer",
                    f"no transformer {values.get('transformer')!r} (import transformers first)",
                )
            if premises_id in given:
                earlier, row_number = given[premises_id]
                if earlier != transformer_id:
                    # Two accounts at one address: one premises, one transformer.
                    raise RowProblem(
                        "transformer", f"row {row_number} gives this premises another transformer"
                    )
                report.unchanged += 1
                accepted += 1
                continue
        except RowProblem as problem:
            report.problems.append(Problem(n, problem.field, problem.message, values))
            continue
        accepted += 1
        given[premises_id] = (transformer_id, n)
        row = {"premises_id": premises_id, "transformer_id": transformer_id}
        if premises_id not in known:
            plan.new.append(row)
        elif known[premises_id] == transformer_id:
            report.unchanged += 1
        else:
            plan.changed.append(row)
    return plan, accepted
