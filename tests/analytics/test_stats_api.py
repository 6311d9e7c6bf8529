"""GET /api/v1/stats/quality and /stats/mix: figures, permission and bad periods."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from analytics.scenario import Builder
from quarterhour.demo.organisation import Organisation

OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def test_quality_figures_for_a_supervisor(
    october: Builder, client: TestClient, login: Any, org: Organisation
) -> None:
    response = client.get(
        "/api/v1/stats/quality",
        params={**OCTOBER, "order_type": "complaint"},
        headers=login("supervisor"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # Exact decimals travel as strings.
    assert body["total"]["accepted"] == 3
    assert body["total"]["handling_rate"] == "0.6667"
    assert body["total"]["satisfaction_rate"] == "0.6667"
    assert body["order_type"] == "complaint"
    assert [t["order_type"] for t in body["by_type"]] == ["complaint"]
    departments = {d["department"]: d["accepted"] for d in body["by_department"]}
    assert departments == {"包河区供电营业厅": 2, "蜀山区供电营业厅": 1}


def test_filters_by_department_and_district(
    october: Builder, client: TestClient, login: Any, org: Organisation
) -> None:
    headers = login("dispatcher")
    by_dept = client.get(
        "/api/v1/stats/quality",
        params={**OCTOBER, "department_id": org.dept("repair-baohe")},
        headers=headers,
    ).json()
    assert by_dept["total"]["accepted"] == 1
    assert by_dept["total"]["on_time_rate"] == "0.0000"
    by_district = client.get(
        "/api/v1/stats/quality",
        params={**OCTOBER, "district_id": org.districts["shushan"]},
        headers=headers,
    ).json()
    assert by_district["total"]["accepted"] == 2
    assert by_district["total"]["follow_up_rate"] == "0.0000"  # F2 waits; C3 not replied


def test_an_empty_period_answers_null_rates(client: TestClient, login: Any) -> None:
    response = client.get("/api/v1/stats/quality", params=OCTOBER, headers=login("admin"))
    assert response.status_code == 200, response.text
    total = response.json()["total"]
    assert total["accepted"] == 0
    assert total["handling_rate"] is None
    assert total["satisfaction_rate"] is None


PATHS = ("/api/v1/stats/quality", "/api/v1/stats/mix")


def test_staff_without_view_stats_get_403(client: TestClient, login: Any) -> None:
    for username in ("hall-baohe", "agent", "followup"):
        headers = login(username)
        for path in PATHS:
            response = client.get(path, params=OCTOBER, headers=headers)
            assert response.status_code == 403, (username, path, response.text)
            assert response.json()["permission"] == "view_stats"


def test_no_token_is_401(client: TestClient) -> None:
    for path in PATHS:
        assert client.get(path, params=OCTOBER).status_code == 401


BAD_QUERIES = [
    ({"start": "2026-10-31", "end": "2026-10-01"}, "end"),
    ({"start": "2020-01-01", "end": "2026-10-31"}, "end"),
    ({"start": "2026-13-01", "end": "2026-10-31"}, "start"),
    ({"start": "2026-10-01"}, "end"),
    ({**OCTOBER, "order_type": "gossip"}, "order_type"),
    ({**OCTOBER, "department_id": 99999}, "department_id"),
    ({**OCTOBER, "district_id": 0}, "district_id"),
    ({**OCTOBER, "colour": "red"}, "colour"),
]


def test_bad_queries_get_422_naming_the_field(client: TestClient, login: Any) -> None:
    headers = login("dispatcher")
    for params, field in BAD_QUERIES:
        for path in PATHS:
            response = client.get(path, params=params, headers=headers)
            assert response.status_code == 422, (path, params, response.text)
            assert response.json()["field"] == field, (path, params, response.json())


def test_mix_rejects_an_unknown_bucket(client: TestClient, login: Any) -> None:
    response = client.get(
        "/api/v1/stats/mix", params={**OCTOBER, "bucket": "fortnight"}, headers=login("dispatcher")
    )
    assert response.status_code == 422
    assert response.json()["field"] == "bucket"


def test_mix_by_week(october: Builder, client: TestClient, login: Any) -> None:
    response = client.get(
        "/api/v1/stats/mix", params={**OCTOBER, "bucket": "week"}, headers=login("dispatcher")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["bucket"] == "week"
    rows = {r["bucket_start"]: r for r in body["rows"]}
    assert list(rows) == ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]
    assert rows["2026-10-12"]["counts"]["complaint"] == 3
    assert rows["2026-10-19"]["total"] == 3
    assert sum(r["total"] for r in body["rows"]) == 6
