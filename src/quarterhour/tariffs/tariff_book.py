"""The tariffs a utility publishes: stored versions, the shipped samples, adding a version."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from importlib.resources import files
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.money import decimal_of
from quarterhour.tariffs.models import Tariff, TariffVersionRow
from quarterhour.tariffs.reference import TariffVersion, TierMode, check_versions
from quarterhour.tariffs.schemas import PublishedTariff

_PRICE_FIELDS = (
    "flat_price",
    "tier1_limit",
    "tier2_limit",
    "tier2_surcharge",
    "tier3_surcharge",
    "peak_price",
    "valley_price",
)


def install_samples(session: Session, *, by: Actor) -> list[str]:
    """Add the shipped sample tariffs that are not there yet (by code); their codes."""
    require(by, Permission.MANAGE_TARIFFS)
    data = json.loads((files("quarterhour.tariffs") / "data" / "sample_tariffs.json").read_text())
    known = set(session.scalars(select(Tariff.code)))
    added = []
    for item in data["tariffs"]:
        if item["code"] in known:
            continue
        tariff = Tariff(
            code=item["code"],
            name=item["name"],
            region=item["region"],
            source=item["source"],
            is_verified=item["is_verified"],
            created_at=clock.now(),
        )
        session.add(tariff)
        session.flush()
        for version in item["versions"]:
            add_version(session, tariff, version, source=item["source"])
        added.append(tariff.code)
    return added


def add_version(
    session: Session, tariff: Tariff, values: dict[str, Any], *, source: str
) -> TariffVersionRow:
    """A new version from `effective_from`; the version in force until then now ends there.

    Refused (naming the field) when its prices or tiers are inconsistent, or when it would
    overlap or leave a gap with the versions already stored."""
    try:
        effective_from = date.fromisoformat(str(values["effective_from"]))
    except (KeyError, ValueError):
        raise ValidationFailed(
            "effective_from must be a date (YYYY-MM-DD)", field="effective_from"
        ) from None
    prices = {
        name: decimal_of(values[name], field=name) if values.get(name) is not None else None
        for name in _PRICE_FIELDS
    }
    if prices["flat_price"] is None:
        raise ValidationFailed("flat_price is required", field="flat_price")
    try:
        tier_mode = TierMode(values.get("tier_mode", "none"))
    except ValueError:
        raise ValidationFailed(
            f"tier_mode must be one of {', '.join(TierMode)}", field="tier_mode"
        ) from None
    stored = list(
        session.scalars(
            select(TariffVersionRow)
            .where(TariffVersionRow.tariff_id == tariff.id)
            .order_by(TariffVersionRow.effective_from)
        )
    )
    if any(row.effective_from >= effective_from for row in stored):
        raise ValidationFailed(
            f"tariff {tariff.code} already has a version from {effective_from} or later;"
            " versions are added in date order",
            field="effective_from",
        )
    row = TariffVersionRow(
        tariff_id=tariff.id,
        effective_from=effective_from,
        effective_to=None,
        tier_mode=tier_mode,
        flat_price=prices["flat_price"],
        tier1_limit=prices["tier1_limit"],
        tier2_limit=prices["tier2_limit"],
        tier2_surcharge=prices["tier2_surcharge"] or Decimal(0),
        tier3_surcharge=prices["tier3_surcharge"] or Decimal(0),
        peak_price=prices["peak_price"],
        valley_price=prices["valley_price"],
        source=source,
        created_at=clock.now(),
    )
    previous = stored[-1] if stored else None
    terms = [r.terms(tariff.code) for r in stored]
    if previous is not None and previous.effective_to is None:
        terms[-1] = replace(terms[-1], effective_to=effective_from)
    check_versions([*terms, row.terms(tariff.code)])
    if previous is not None and previous.effective_to is None:
        previous.effective_to = effective_from
    session.add(row)
    session.flush()
    return row


def versions_by_tariff(session: Session) -> dict[int, list[TariffVersion]]:
    rows = session.execute(
        select(TariffVersionRow, Tariff.code)
        .join(Tariff, Tariff.id == TariffVersionRow.tariff_id)
        .order_by(TariffVersionRow.tariff_id, TariffVersionRow.effective_from)
    )
    out: dict[int, list[TariffVersion]] = defaultdict(list)
    for row, code in rows:
        out[row.tariff_id].append(row.terms(code))
    return dict(out)


def get_tariff(session: Session, code: str) -> Tariff:
    tariff = session.scalar(select(Tariff).where(Tariff.code == code))
    if tariff is None:
        raise NotFound(f"no tariff {code!r}", field="tariff")
    return tariff


def in_force(session: Session, on: date) -> list[tuple[Tariff, TariffVersion]]:
    """Every tariff with the version in force on `on` (the published price list)."""
    tariffs = {t.id: t for t in session.scalars(select(Tariff).order_by(Tariff.code))}
    published = []
    for tariff_id, versions in versions_by_tariff(session).items():
        current = next((v for v in versions if v.covers(on)), None)
        if current is not None:
            published.append((tariffs[tariff_id], current))
    return sorted(published, key=lambda pair: pair[0].code)


def add_tariff(
    session: Session,
    *,
    by: Actor,
    code: str,
    name: str,
    region: str,
    source: str,
    first_version: dict[str, Any],
) -> Tariff:
    """A utility's own tariff with its first version (administrators; the CLI passes no actor)."""
    require(by, Permission.MANAGE_TARIFFS)
    code = code.strip()
    if not code or len(code) > 32:
        raise ValidationFailed("a tariff code has 1 to 32 characters", field="code")
    if not source.strip():
        raise ValidationFailed("say where the prices come from (the notice)", field="source")
    if session.scalar(select(Tariff.id).where(Tariff.code == code)) is not None:
        raise Conflict(f"tariff {code} exists already; add a version to it", field="code")
    tariff = Tariff(
        code=code,
        name=name.strip() or code,
        region=region.strip(),
        source=source.strip(),
        is_verified=True,  # entered by the utility from its own notice
        created_at=clock.now(),
    )
    session.add(tariff)
    session.flush()
    add_version(session, tariff, first_version, source=source.strip())
    return tariff


def add_version_by(
    session: Session, code: str, values: dict[str, Any], *, by: Actor, source: str
) -> TariffVersionRow:
    require(by, Permission.MANAGE_TARIFFS)
    if not source.strip():
        raise ValidationFailed("say where the prices come from (the notice)", field="source")
    return add_version(session, get_tariff(session, code), values, source=source.strip())


def published(tariff: Tariff, version: TariffVersion) -> PublishedTariff:
    """A tariff and one of its versions as the disclosure and the administration show them."""
    return PublishedTariff(
        code=tariff.code,
        name=tariff.name,
        region=tariff.region,
        source=tariff.source,
        is_verified=tariff.is_verified,
        effective_from=version.effective_from,
        tier_mode=version.tier_mode,
        flat_price=version.flat_price,
        tier1_limit=version.tier1_limit,
        tier2_limit=version.tier2_limit,
        tier2_surcharge=version.tier2_surcharge,
        tier3_surcharge=version.tier3_surcharge,
        peak_price=version.peak_price,
        valley_price=version.valley_price,
    )
