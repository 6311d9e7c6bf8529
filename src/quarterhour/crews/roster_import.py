"""The duty roster from a file (排班表), like the other record files (see `records.imports`).

Roster file — crew_code, starts_at, ends_at: one shift a row, times in Shanghai
(2026-12-01 08:00, or ISO 8601 with its offset).

The rules of a shift typed in the console hold for every row (ends after it starts, at most 24
hours, never overlapping another shift of the crew, in the database or in the file); a row that
repeats a shift recorded already is `unchanged`, so the same roster given twice, as one file or
as two, adds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.crews.models import Crew, CrewShift
from quarterhour.crews.service import LONGEST_SHIFT
from quarterhour.kit import bounds, clock
from quarterhour.records import imports
from quarterhour.records.imports import ImportReport, Problem, Row, RowProblem

ROSTER_COLUMNS = ("crew_code", "starts_at", "ends_at")
_FORMS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class _Shift:
    crew_id: int
    starts_at: datetime
    ends_at: datetime


def import_roster(
    session: Session, data: bytes, *, file_name: str, strict: bool = False, by: Actor
) -> ImportReport:
    require(by, Permission.ROSTER_CREWS)

    def write(session: Session, plan: list[_Shift], batch_id: int) -> None:
        imports.insert_all(
            session,
            CrewShift,
            [
                {
                    "crew_id": s.crew_id,
                    "starts_at": s.starts_at,
                    "ends_at": s.ends_at,
                    "created_by_id": by.id,
                }
                for s in plan
            ],
        )

    return imports.run(
        session,
        data,
        kind="crew_roster",
        file_name=file_name,
        required=ROSTER_COLUMNS,
        strict=strict,
        by_id=by.id,
        plan=_plan,
        write=write,
    )


def _moment(values: dict[str, str], name: str) -> datetime:
    text = imports.text_field(values, name, 40)
    at: datetime | None = None
    for form in _FORMS:
        try:
            at = datetime.strptime(text, form).replace(tzinfo=clock.SHANGHAI)
            break
        except ValueError:
            continue
    if at is None:
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            raise RowProblem(name, f"{text!r} is not a date and time (YYYY-MM-DD HH:MM)") from None
        at = at.replace(tzinfo=clock.SHANGHAI) if at.tzinfo is None else at
    problem = bounds.window_problem(at.replace(tzinfo=None).date())
    if problem is not None:
        raise RowProblem(name, problem)
    return at


def _plan(session: Session, rows: list[Row], report: ImportReport) -> tuple[list[_Shift], int]:
    codes = {v.get("crew_code", "") for _, v in rows}
    # Locked as add_shift locks one crew: a shift typed in the console meanwhile cannot slip
    # between this file's overlap test and its insert.
    crews = {
        crew.code: crew.id
        for crew in session.scalars(
            select(Crew).where(Crew.code.in_(sorted(codes))).order_by(Crew.id).with_for_update()
        )
    }
    parsed: list[tuple[int, dict[str, str], _Shift]] = []
    for n, values in rows:
        try:
            code = imports.text_field(values, "crew_code", 32)
            crew_id = crews.get(code)
            if crew_id is None:
                raise RowProblem("crew_code", f"no crew {code!r}")
            starts_at, ends_at = _moment(values, "starts_at"), _moment(values, "ends_at")
            if ends_at <= starts_at:
                raise RowProblem("ends_at", "the shift ends after it starts")
            if ends_at - starts_at > LONGEST_SHIFT:
                raise RowProblem("ends_at", "a shift is at most 24 hours long")
        except RowProblem as problem:
            report.problems.append(Problem(n, problem.field, problem.message, values))
            continue
        parsed.append((n, values, _Shift(crew_id, starts_at, ends_at)))
    if not parsed:
        return [], 0
    known = _known(session, [s for _, _, s in parsed])
    plan: list[_Shift] = []
    taken: dict[int, list[tuple[int, _Shift]]] = defaultdict(list)  # the file's own, by crew
    accepted = 0
    for n, values, shift in parsed:
        try:
            recorded = known[shift.crew_id]
            if any(_same(shift, old) for old in recorded):
                report.unchanged += 1
                accepted += 1
                continue
            clash = next((old for old in recorded if _overlap(shift, old)), None)
            if clash is not None:
                begins, ends = (
                    f"{clock.local(t):%Y-%m-%d %H:%M}" for t in (clash.starts_at, clash.ends_at)
                )
                raise RowProblem(
                    "starts_at", f"the crew is on duty from {begins} to {ends} already"
                )
            mine = next((row for row, s in taken[shift.crew_id] if _overlap(shift, s)), None)
            if mine is not None:
                raise RowProblem("starts_at", f"overlaps the shift of row {mine}")
        except RowProblem as problem:
            report.problems.append(Problem(n, problem.field, problem.message, values))
            continue
        taken[shift.crew_id].append((n, shift))
        plan.append(shift)
        accepted += 1
    return plan, accepted


def _known(session: Session, shifts: list[_Shift]) -> dict[int, list[_Shift]]:
    """The recorded shifts of the file's crews over the span the file covers."""
    start = min(s.starts_at for s in shifts)
    end = max(s.ends_at for s in shifts)
    known: dict[int, list[_Shift]] = defaultdict(list)
    for old in session.scalars(
        select(CrewShift).where(
            CrewShift.crew_id.in_(sorted({s.crew_id for s in shifts})),
            CrewShift.starts_at < end,
            CrewShift.ends_at > start,
        )
    ):
        known[old.crew_id].append(_Shift(old.crew_id, old.starts_at, old.ends_at))
    return known


def _same(a: _Shift, b: _Shift) -> bool:
    return a.starts_at == b.starts_at and a.ends_at == b.ends_at


def _overlap(a: _Shift, b: _Shift) -> bool:
    # Half-open spans, as add_shift: back to back is no overlap.
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at
