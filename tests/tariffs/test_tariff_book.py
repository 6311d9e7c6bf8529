"""Stored tariffs: the shipped samples, adding versions in date order, the published list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from quarterhour.access.actor import system
from quarterhour.entrypoints.cli.main import app
from quarterhour.errors import ValidationFailed
from quarterhour.tariffs import tariff_book
from quarterhour.tariffs.models import Tariff, TariffVersionRow
from quarterhour.tariffs.reference import Usage, price

pytestmark = pytest.mark.db


def test_samples_install_once_and_the_confirmed_one_prices_the_worked_case(
    session: Session,
) -> None:
    added = tariff_book.install_samples(session, by=system("test"))
    assert "ZJ-RES" in added
    assert tariff_book.install_samples(session, by=system("test")) == []
    assert session.scalar(select(func.count()).select_from(Tariff)) == len(added)
    zhejiang = tariff_book.get_tariff(session, "ZJ-RES")
    assert zhejiang.is_verified
    assert not tariff_book.get_tariff(session, "AH-RES").is_verified
    versions = tariff_book.versions_by_tariff(session)[zhejiang.id]
    lines = price(Usage(kwh=Decimal(5000)), date(2026, 12, 1), versions)
    assert sum(line.amount for line in lines) == Decimal("2852.00")


def test_a_new_version_ends_the_one_in_force(session: Session) -> None:
    tariff_book.install_samples(session, by=system("test"))
    tariff = tariff_book.get_tariff(session, "AH-BIZ")
    tariff_book.add_version(
        session,
        tariff,
        {"effective_from": "2026-10-17", "flat_price": "0.7542"},
        source="test notice",
    )
    rows = session.scalars(
        select(TariffVersionRow)
        .where(TariffVersionRow.tariff_id == tariff.id)
        .order_by(TariffVersionRow.effective_from)
    ).all()
    assert [(r.effective_from, r.effective_to, r.flat_price) for r in rows] == [
        (date(2012, 7, 1), date(2026, 10, 17), Decimal("0.7342")),
        (date(2026, 10, 17), None, Decimal("0.7542")),
    ]
    published = dict((t.code, v) for t, v in tariff_book.in_force(session, date(2026, 11, 1)))
    assert published["AH-BIZ"].flat_price == Decimal("0.7542")
    published = dict((t.code, v) for t, v in tariff_book.in_force(session, date(2026, 10, 16)))
    assert published["AH-BIZ"].flat_price == Decimal("0.7342")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"effective_from": "2010-01-01", "flat_price": "0.5"}, "effective_from"),
        ({"effective_from": "2026-13-01", "flat_price": "0.5"}, "effective_from"),
        ({"effective_from": "2027-01-01", "flat_price": 0.5}, "flat_price"),
        ({"effective_from": "2027-01-01", "flat_price": "0.12345"}, "flat_price"),
        ({"effective_from": "2027-01-01"}, "flat_price"),
        (
            {
                "effective_from": "2027-01-01",
                "flat_price": "0.5",
                "tier_mode": "monthly",
                "tier1_limit": "350",
                "tier2_limit": "180",
            },
            "tier2_limit",
        ),
        ({"effective_from": "2027-01-01", "flat_price": "0.5", "tier_mode": "weekly"}, "tier_mode"),
    ],
    ids=[
        "before-the-current",
        "bad-date",
        "float",
        "five-decimals",
        "no-price",
        "tiers-reversed",
        "bad-mode",
    ],
)
def test_a_bad_version_is_refused_naming_the_field_and_nothing_changes(
    session: Session, values: dict[str, object], field: str
) -> None:
    tariff_book.install_samples(session, by=system("test"))
    tariff = tariff_book.get_tariff(session, "AH-RES")
    before = session.scalar(select(func.count()).select_from(TariffVersionRow))
    with pytest.raises(ValidationFailed) as caught:
        tariff_book.add_version(session, tariff, values, source="test")
    assert caught.value.field == field
    assert session.scalar(select(func.count()).select_from(TariffVersionRow)) == before
    current = session.scalars(
        select(TariffVersionRow).where(TariffVersionRow.tariff_id == tariff.id)
    ).one()
    assert current.effective_to is None


def test_administrators_add_tariffs_and_versions_through_the_api_and_the_cli(
    session: Session, client: Any, login: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = login("admin")
    created = client.post(
        "/api/v1/admin/tariffs",
        json={
            "code": "HF-RES",
            "name": "合肥 居民（本公司）",
            "region": "安徽",
            "first_version": {
                "effective_from": "2026-01-01",
                "tier_mode": "monthly",
                "flat_price": "0.5653",
                "tier1_limit": "180",
                "tier2_limit": "350",
                "tier2_surcharge": "0.05",
                "tier3_surcharge": "0.30",
                "source": "皖价商〔2012〕…号",
            },
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["is_verified"] is True
    gap = client.post(
        "/api/v1/admin/tariffs/HF-RES/versions",
        json={"effective_from": "2025-06-01", "flat_price": "0.6", "source": "x"},
        headers=admin,
    )
    assert gap.status_code == 422
    assert gap.json()["field"] == "effective_from"
    refused = client.post(
        "/api/v1/admin/tariffs/HF-RES/versions",
        json={"effective_from": "2027-01-01", "flat_price": "0.6", "source": "x"},
        headers=login("supervisor"),
    )
    assert refused.status_code == 403
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    result = CliRunner().invoke(
        app,
        [
            "billing",
            "tariffs",
            "add-version",
            "HF-RES",
            "--from",
            "2027-01-01",
            "--flat-price",
            "0.5853",
            "--source",
            "新通知",
        ],
    )
    assert result.exit_code == 0, result.output
    versions = tariff_book.versions_by_tariff(session)[tariff_book.get_tariff(session, "HF-RES").id]
    assert [(v.effective_from, v.effective_to, v.flat_price) for v in versions] == [
        (date(2026, 1, 1), date(2027, 1, 1), Decimal("0.5653")),
        (date(2027, 1, 1), None, Decimal("0.5853")),
    ]
