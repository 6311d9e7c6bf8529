"""公开: the tariffs and service commitments in force, for anyone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.tariffs import tariff_book

pytestmark = pytest.mark.db


def test_disclosure_publishes_tariffs_and_time_limits_without_a_login(
    session: Session, client: TestClient
) -> None:
    tariff_book.install_samples(session, by=system("test"))
    tariff = tariff_book.get_tariff(session, "AH-BIZ")
    tariff_book.add_version(
        session, tariff, {"effective_from": "2026-10-17", "flat_price": "0.7542"}, source="test"
    )
    session.commit()
    before = client.get("/api/v1/public/disclosure", params={"on": "2026-10-16"}).json()
    after = client.get("/api/v1/public/disclosure", params={"on": "2026-11-01"})
    assert after.status_code == 200, after.text
    body = after.json()
    prices = {t["code"]: t for t in body["tariffs"]}
    assert Decimal(prices["AH-BIZ"]["flat_price"]) == Decimal("0.7542")
    assert Decimal({t["code"]: t for t in before["tariffs"]}["AH-BIZ"]["flat_price"]) == Decimal(
        "0.7342"
    )
    assert prices["ZJ-RES"]["is_verified"] is True
    assert prices["AH-RES"]["is_verified"] is False
    assert Decimal(prices["ZJ-RES"]["tier1_limit"]) == 2760
    limits = body["commitments"]["limits"]
    assert limits and all(limit["source"] for limit in limits)
    assert any(
        limit["order_type"] == "fault_repair" and limit["area_class"] == "urban" for limit in limits
    )
    # The centre's own clocks (dispatch, the follow-up call) manage staff; they are not promises.
    assert not {"dispatch", "follow_up"} & {limit["kind"] for limit in limits}


def test_the_disclosure_page_in_chinese_and_english_with_nothing_from_elsewhere(
    session: Session, client: TestClient
) -> None:
    tariff_book.install_samples(session, by=system("test"))
    session.commit()
    page = client.get("/disclosure", params={"on": "2026-11-01"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html
    for seen in (
        "电价与服务承诺公开",
        "ZJ-RES",
        "0.5380",
        "2760–4800千瓦时：加价0.0500元/千瓦时",
        "4800千瓦时以上：加价0.3000元/千瓦时",
        "示例数据，未经核实",
        "故障报修",
        "45分钟",
    ):
        assert seen in html, seen
    english = client.get("/disclosure", params={"on": "2026-11-01", "lang": "en"}).text
    for seen in (
        "Tariffs and service commitments",
        "above 4800 kWh: +0.3000 yuan/kWh",
        "fault repair",
        "45 minutes",
        "sample figures, not verified",
    ):
        assert seen in english, seen
    # Every asset is in the page itself: no script, style sheet or font from another host.
    published = client.get("/api/v1/public/disclosure", params={"on": "2026-11-01"}).text
    for page_text in (html, english, published):
        assert "http://" not in page_text and "https://" not in page_text
        assert "<script" not in page_text
        # Sources are published regulations and notices or the utility's own rule, never this
        # project's own brief or name.
        assert "PRODUCT.md" not in page_text
        assert "Quarter Hour 默认" not in page_text
    assert client.get("/disclosure", params={"lang": "fr"}).status_code == 422
