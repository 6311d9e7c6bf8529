"""The repair and outage figures served: GET /api/v1/stats/repairs, `quarterhour stats --section
repairs` and the dashboard's 抢修与停电 section, on the October of repair_scenario.py."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analytics.repair_scenario import build_repairs
from analytics.scenario import Builder
from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from quarterhour.entrypoints.cli.main import app

pytestmark = pytest.mark.db

OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}
runner = CliRunner()


@pytest.fixture
def scenario(builder: Builder) -> dict[str, int]:
    return build_repairs(builder)


def test_the_api_answers_the_figures(
    scenario: dict[str, int], client: TestClient, login: Any, org: Organisation
) -> None:
    response = client.get("/api/v1/stats/repairs", params=OCTOBER, headers=login("supervisor"))
    assert response.status_code == 200, response.text
    body = response.json()
    arrival = body["repairs"]["total"]["arrival"]
    assert (arrival["count"], arrival["mean"], arrival["median"]) == (5, "55.0", "50.0")
    assert arrival["within_rate"] == "0.6000"
    assert body["outages"]["customer_hours"] == "7.50"
    assert body["outages"]["saidi_minutes"] == "112.5"
    assert body["outages"]["calls"] == 2
    assert body["policy"] == "SGCC-2021"


def test_the_api_refuses_bad_input_naming_the_field(
    client: TestClient, login: Any, org: Organisation
) -> None:
    headers = login("supervisor")
    backwards = client.get(
        "/api/v1/stats/repairs",
        params={"start": "2026-10-31", "end": "2026-10-01"},
        headers=headers,
    )
    assert backwards.status_code == 422
    assert "end" in backwards.text
    unknown = client.get(
        "/api/v1/stats/repairs", params={**OCTOBER, "district_id": 999_999}, headers=headers
    )
    assert unknown.status_code == 422
    assert "district_id" in unknown.text
    extra = client.get(
        "/api/v1/stats/repairs", params={**OCTOBER, "order_type": "complaint"}, headers=headers
    )
    assert extra.status_code == 422
    denied = client.get("/api/v1/stats/repairs", params=OCTOBER, headers=login("agent"))
    assert denied.status_code == 403


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    return database_url


REPAIRS = ["stats", "--section", "repairs", "--start", "2026-10-01", "--end", "2026-10-31"]


def test_the_cli_prints_json_and_tables(
    cli_env: str, scenario: dict[str, int], org: Organisation
) -> None:
    result = runner.invoke(app, [*REPAIRS, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["repairs"]["total"]["restoration"]["median"] == "90.0"
    assert body["outages"]["calls_per_outage"] == "1.0"
    result = runner.invoke(app, [*REPAIRS, "--district", str(org.districts["baohe"])])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "抢修与停电 Repairs and outages: 2026-10-01 – 2026-10-31" in out
    assert "到达现场 Arrival on site" in out
    assert "150.0" in out  # 包河's SAIDI minutes
    assert "台区变压器故障" in out


def test_the_cli_refuses_filters_of_the_quality_figures(cli_env: str, org: Organisation) -> None:
    result = runner.invoke(app, [*REPAIRS, "--type", "complaint"])
    assert result.exit_code == 2
    assert "--section quality only" in result.stderr


def _console(app: Any, username: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    response = c.post("/console/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 303, response.text
    return c


def _listed(console: TestClient, href: str) -> int:
    page = console.get(html.unescape(href))
    assert page.status_code == 200, page.text
    found = re.search(r'class="matched" data-total="(\d+)"', page.text)
    assert found, href
    return int(found.group(1))


def test_the_dashboard_shows_the_section_and_its_links_reproduce_it(
    scenario: dict[str, int], app: Any, client: TestClient, org: Organisation
) -> None:
    console = _console(app, "supervisor")
    page = console.get("/console/dashboard", params=OCTOBER)
    assert page.status_code == 200, page.text
    text = page.text
    section = text.split('id="repairs"', 1)[1]
    assert "抢修与停电" in section
    assert 'data-figure="saidi"' in section and ">112.5<" in section
    assert ">7.50<" in section  # customer-hours
    assert "台区变压器故障" in section
    assert "<svg" in section.split('id="rf-arrival"', 1)[1]
    # Each repair count links to the order list that holds exactly those orders.
    times = section.split('id="rf-times"', 1)[1].split("</table>", 1)[0]
    links = re.findall(r'<a href="([^"]+)" data-count="(\d+)"', times)
    orders = [(href, count) for href, count in links if href.startswith("/console/orders")]
    # total, two classes, two districts; the fault outages link to the board
    assert len(orders) == 5, times
    for href, count in orders:
        assert _listed(console, href) == int(count), href
    assert {href for href, _ in links} - {href for href, _ in orders} == {"/console/outages"}
    # The calls of an outage: the two linked fault calls, and nothing else.
    calls = section.split('id="rf-outages"', 1)[1]
    href, count = re.findall(r'<a href="([^"]+)" data-count="(\d+)"', calls)[0]
    assert (count, _listed(console, href)) == ("2", 2)
    english = console.get("/console/dashboard", params={**OCTOBER, "lang": "en"}).text
    assert "Repairs and outages" in english
    console.close()


def test_the_dashboard_narrowed_to_a_district(
    scenario: dict[str, int], app: Any, client: TestClient, org: Organisation
) -> None:
    console = _console(app, "supervisor")
    params = {**OCTOBER, "district_id": org.districts["shushan"]}
    page = console.get("/console/dashboard", params=params)
    assert page.status_code == 200, page.text
    section = page.text.split('id="repairs"', 1)[1]
    assert "本期没有停电" in section
    console.close()


def test_the_order_list_filters_the_figures_drill_with(
    scenario: dict[str, int], client: TestClient, login: Any
) -> None:
    headers = login("supervisor")

    def listed(**params: Any) -> set[int]:
        response = client.get("/api/v1/orders", params={"per_page": 200, **params}, headers=headers)
        assert response.status_code == 200, response.text
        return {order["id"] for order in response.json()["items"]}

    calls = {scenario["call1"], scenario["call2"]}
    assert listed(outage_id=scenario["O1"]) == calls
    assert listed(order_type="fault_repair", linked="true") == calls
    assert len(listed(order_type="fault_repair", linked="false")) == 5
    assert len(listed(order_type="fault_repair", linked="false", area_class="rural")) == 2
    refused = client.get("/api/v1/orders", params={"area_class": "city"}, headers=headers)
    assert refused.status_code == 422
    assert "area_class" in refused.text
