"""The order list's query string: the filter plus the optional total."""

from __future__ import annotations

from workorders.loop_client import LoopApi


def test_the_total_is_counted_only_when_asked_for(loop: LoopApi) -> None:
    for title in ("一", "二", "三"):
        loop.intake("complaint", title=title)
    headers = loop.headers("dispatcher")
    page = loop.client.get("/api/v1/orders", params={"per_page": 2}, headers=headers).json()
    assert (len(page["items"]), page["total"]) == (2, None)
    page = loop.client.get(
        "/api/v1/orders", params={"per_page": 2, "with_total": "true"}, headers=headers
    ).json()
    assert (len(page["items"]), page["total"]) == (2, 3)
    page = loop.client.get(
        "/api/v1/orders",
        params={"state": "dispatched", "with_total": "true"},
        headers=headers,
    ).json()
    assert (page["items"], page["total"]) == ([], 0)


def test_an_unknown_query_parameter_is_named(loop: LoopApi) -> None:
    response = loop.client.get(
        "/api/v1/orders", params={"colour": "red"}, headers=loop.headers("dispatcher")
    )
    assert response.status_code == 422
    assert response.json()["field"] == "colour"


def test_the_list_parameters_are_documented(loop: LoopApi) -> None:
    spec = loop.client.get("/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/api/v1/orders"]["get"]["parameters"]}
    assert {"with_total", "state", "overdue", "escalated", "provisional", "queue"} <= names
