"""The late-fee rules (电费违约金) a utility applies: stored versions with their sources, the shipped
ones, adding a version, and the copy every reader shares.

The account statement, the customer view and the bill inquiry all compute fees through
`arrears.statement` with the book from here. The inquiry is the busiest read path, so the book is
reference data kept per process (like calendar years and time-limit policies, `kit.recheck`): it
is read again at most every `recheck.SECONDS` — one small statement, never one per inquiry — and
at once in the process that added a version.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, system
from quarterhour.access.permissions import Permission, require
from quarterhour.billing.arrears import DEFAULT_RULES, LateFeeBook, LateFeeRule
from quarterhour.billing.models import LateFeeRuleRow
from quarterhour.billing.schemas import PublishedLateFeeRule
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.money import decimal_of
from quarterhour.kit.recheck import Recheck, database_key
from quarterhour.storage import reads
from quarterhour.storage.driver import postgresql_text

_ROWS = select(
    LateFeeRuleRow.effective_from,
    LateFeeRuleRow.residential_rate,
    LateFeeRuleRow.current_year_rate,
    LateFeeRuleRow.earlier_years_rate,
    LateFeeRuleRow.minimum_fee,
    LateFeeRuleRow.source,
).order_by(LateFeeRuleRow.effective_from)
_ROWS_POSTGRESQL = postgresql_text(_ROWS)

_books: dict[str, LateFeeBook] = {}
_recheck = Recheck()


def _book_of(rows: list[Any]) -> LateFeeBook:
    # A database nobody ran `db upgrade` on has no versions: the shipped ones apply.
    if not rows:
        return LateFeeBook(DEFAULT_RULES)
    return LateFeeBook(LateFeeRule(*row) for row in rows)


def rule_book(session: Session) -> LateFeeBook:
    """The versions in force for this database, read again at most every `recheck.SECONDS`."""
    key = database_key(session.get_bind())
    book = _books.get(key)
    if book is not None and _recheck.fresh(key):
        return book
    book = _book_of(list(session.execute(_ROWS)))
    _books[key] = book
    _recheck.checked(key)
    return book


async def rule_book_on_event_loop(pool: AsyncConnectionPool) -> LateFeeBook:
    """The same from the worker's async connections (the bill inquiry on PostgreSQL)."""
    key = f"pool:{id(pool)}"
    book = _books.get(key)
    if book is not None and _recheck.fresh(key):
        return book
    if book is not None:
        _recheck.checked(key)  # calls arriving meanwhile use this copy rather than read too
    book = _book_of(await reads.rows(pool, _ROWS_POSTGRESQL, {}))
    _books[key] = book
    _recheck.checked(key)
    return book


def invalidate_cache() -> None:
    _books.clear()
    _recheck.forget()


def ensure_default_rules(session: Session) -> None:
    """Store the shipped versions that are not there yet (by their first day)."""
    stored = set(session.scalars(select(LateFeeRuleRow.effective_from)))
    for rule in DEFAULT_RULES:
        if rule.effective_from not in stored:
            session.add(_row(rule, by=system("defaults")))
    session.flush()
    invalidate_cache()


def _row(rule: LateFeeRule, *, by: Actor) -> LateFeeRuleRow:
    return LateFeeRuleRow(
        effective_from=rule.effective_from,
        residential_rate=rule.residential,
        current_year_rate=rule.current_year,
        earlier_years_rate=rule.earlier_years,
        minimum_fee=rule.minimum,
        source=rule.source,
        created_at=clock.now(),
        created_by_id=by.id,
    )


_RATE_FIELDS = ("residential", "current_year", "earlier_years")


def add_version(
    session: Session, values: dict[str, Any], *, by: Actor, source: str
) -> LateFeeRuleRow:
    """A new version of the rule from `effective_from` on (administrators; the CLI passes no
    actor). Versions are added in date order and never back-dated before the newest one, so a
    fee already charged never changes; days before it keep the rule they had."""
    require(by, Permission.MANAGE_TARIFFS)
    ensure_default_rules(session)  # a later version never hides the shipped earlier ones
    source = source.strip()
    if not source:
        raise ValidationFailed("say where the rule comes from (the regulation)", field="source")
    if len(source) > 300:
        raise ValidationFailed("a source is at most 300 characters", field="source")
    try:
        effective_from = date.fromisoformat(str(values["effective_from"]))
    except (KeyError, ValueError):
        raise ValidationFailed(
            "effective_from must be a date (YYYY-MM-DD)", field="effective_from"
        ) from None
    rates: dict[str, Decimal] = {}
    for name in _RATE_FIELDS:
        if values.get(name) is None:
            raise ValidationFailed(f"{name} is required (a fraction per day)", field=name)
        rate = decimal_of(values[name], field=name)
        if not Decimal(0) <= rate < Decimal("0.01") or rate != rate.quantize(Decimal("1e-6")):
            raise ValidationFailed(
                "a daily rate is a fraction under 0.01 with at most 6 decimals (0.001 = 0.1 %)",
                field=name,
            )
        rates[name] = rate
    minimum = decimal_of(values.get("minimum", "1.00"), field="minimum")
    if minimum < 0 or minimum != minimum.quantize(Decimal("0.01")) or minimum > 1000:
        raise ValidationFailed("the minimum is 0 to 1000 yuan, to the fen", field="minimum")
    newest = session.scalar(
        select(LateFeeRuleRow.effective_from)
        .order_by(LateFeeRuleRow.effective_from.desc())
        .limit(1)
    )
    if newest is not None and effective_from <= newest:
        raise ValidationFailed(
            f"a new version starts after the newest one ({newest.isoformat()})",
            field="effective_from",
        )
    rule = LateFeeRule(
        effective_from,
        residential=rates["residential"],
        current_year=rates["current_year"],
        earlier_years=rates["earlier_years"],
        minimum=minimum,
        source=source,
    )
    row = _row(rule, by=by)
    session.add(row)
    session.flush()
    invalidate_cache()
    return row


def in_force(session: Session, on: date) -> LateFeeRule | None:
    """The version in force on a day (what the disclosure publishes)."""
    return rule_book(session).in_force(on)


def published(rule: LateFeeRule) -> PublishedLateFeeRule:
    return PublishedLateFeeRule(
        effective_from=rule.effective_from,
        residential_per_day=rule.residential,
        current_year_per_day=rule.current_year,
        earlier_years_per_day=rule.earlier_years,
        minimum=rule.minimum,
        source=rule.source,
    )
