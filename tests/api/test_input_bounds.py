"""Input the database cannot hold is a 422 naming the field, never a 500, on every kind of input.

PostgreSQL refuses NUL in text, an `integer` beyond 2^31 − 1 and a `bigint` beyond 2^63 − 1,
and a decimal beyond its `numeric(p, s)`; SQLite cannot bind an int beyond 2^63 − 1; dates of
year 1 or 9999 overflow the arithmetic done on them. Each case below was a server error before
the bounds of kit/bounds.py were declared on the schemas and parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.shared.sessions import SessionDep
from quarterhour.kit import clock
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI)
BEYOND_BIGINT = "99999999999999999999"  # 10^20 > 2^63 − 1
BEYOND_INTEGER = 2**31  # an id of an `integer` column
NUL = "抄表员\x00态度差"


@pytest.fixture
def now(frozen_clock: Any) -> datetime:
    frozen_clock.set(NOW)
    return NOW


@pytest.fixture
def account_number(session: Session, org: Organisation) -> str:
    """An account opened on 2026-08-01 with a meter (tests/billing/town.py)."""
    account, _ = Town(session, org).household("ZJ-RES")
    number = account.number
    session.commit()
    return number


def _contact(loop: LoopApi, **matter: Any) -> dict[str, Any]:
    return {
        "channel": "hotline",
        "customer": loop.customer(),
        "matters": [{"order_type": "complaint", "title": "抄表员态度差", **matter}],
    }


# name → (who, method, path, request keywords (given the loop and the account), field)
Case = tuple[str, str, str, Callable[[LoopApi], dict[str, Any]], str]
CASES: dict[str, Case] = {
    "NUL in a matter's title": (
        "agent",
        "POST",
        "/api/v1/contacts",
        lambda lp: {"json": _contact(lp, title=NUL)},
        "matters[0].title",
    ),
    "NUL in the caller's name": (
        "agent",
        "POST",
        "/api/v1/contacts",
        lambda lp: {
            "json": {**_contact(lp), "customer": lp.customer(name="袁\x00女士")},
        },
        "customer.name",
    ),
    "a district id beyond integer": (
        "agent",
        "POST",
        "/api/v1/contacts",
        lambda lp: {"json": {**_contact(lp), "customer": lp.customer(district_id=BEYOND_INTEGER)}},
        "customer.district_id",
    ),
    "received in year 1": (
        "agent",
        "POST",
        "/api/v1/contacts",
        lambda lp: {"json": {**_contact(lp), "received_at": "0001-01-01T00:00:00+08:00"}},
        "received_at",
    ),
    "an order id beyond bigint": (
        "dispatcher",
        "GET",
        f"/api/v1/orders/{BEYOND_BIGINT}",
        lambda lp: {},
        "order_id",
    ),
    "an action on an order id beyond bigint": (
        "dispatcher",
        "POST",
        f"/api/v1/orders/{BEYOND_BIGINT}/actions/dispatch",
        lambda lp: {"json": {}},
        "order_id",
    ),
    "a customer id beyond integer": (
        "agent",
        "GET",
        f"/api/v1/customers/{BEYOND_INTEGER}",
        lambda lp: {},
        "customer_id",
    ),
    "a phone shown for a customer id beyond integer": (
        "agent",
        "POST",
        f"/api/v1/customers/{BEYOND_INTEGER}/phone",
        lambda lp: {},
        "customer_id",
    ),
    "NUL in a caller lookup": (
        "agent",
        "GET",
        "/api/v1/customers",
        lambda lp: {"params": {"name": "袁\x00"}},
        "name",
    ),
    "a department id beyond integer in the order list": (
        "dispatcher",
        "GET",
        "/api/v1/orders",
        lambda lp: {"params": {"department_id": str(BEYOND_INTEGER)}},
        "department_id",
    ),
    "a customer id beyond integer in the order list": (
        "dispatcher",
        "GET",
        "/api/v1/orders",
        lambda lp: {"params": {"customer_id": BEYOND_BIGINT}},
        "customer_id",
    ),
    "due before year 1": (
        "dispatcher",
        "GET",
        "/api/v1/orders",
        lambda lp: {"params": {"due_before": "0001-01-01T00:00:00+08:00"}},
        "due_before",
    ),
    "an If-Match beyond integer": (
        "dispatcher",
        "POST",
        "/api/v1/orders/1/actions/dispatch",
        lambda lp: {"json": {}, "headers": {"If-Match": f'"{BEYOND_BIGINT}"'}},
        "If-Match",
    ),
    "NUL in an account number": (
        "hall-baohe",
        "GET",
        "/api/v1/accounts/00%0012/statement",
        lambda lp: {},
        "number",
    ),
    "a priority beyond integer": (
        "admin",
        "POST",
        "/api/v1/routing-rules",
        lambda lp: {
            "json": {"order_type": "complaint", "department_id": 1, "priority": BEYOND_INTEGER}
        },
        "priority",
    ),
    "a routing rule's department beyond integer": (
        "admin",
        "POST",
        "/api/v1/routing-rules",
        lambda lp: {"json": {"order_type": "complaint", "department_id": -(2**120)}},
        "department_id",
    ),
    "NUL in a department's name": (
        "admin",
        "POST",
        "/api/v1/departments",
        lambda lp: {"json": {"code": "x1", "name": "营业\x00厅", "kind": "business_hall"}},
        "name",
    ),
    "an episode in year 2912": (
        "supervisor",
        "POST",
        "/api/v1/episodes",
        lambda lp: {
            "json": {"air_date": "2912-03-07", "roster": [{"staff_id": 1, "duty": "host"}]}
        },
        "air_date",
    ),
    "an episode's staff id beyond integer": (
        "supervisor",
        "POST",
        "/api/v1/episodes",
        lambda lp: {
            "json": {
                "air_date": "2026-12-01",
                "roster": [{"staff_id": 32715154530, "duty": "host"}],
            }
        },
        "roster[0].staff_id",
    ),
    "episodes listed from year 1": (
        "supervisor",
        "GET",
        "/api/v1/episodes",
        lambda lp: {"params": {"start": "0001-01-01"}},
        "start",
    ),
    "quality figures of year 9999": (
        "supervisor",
        "GET",
        "/api/v1/stats/quality",
        lambda lp: {"params": {"start": "9999-12-30", "end": "9999-12-31"}},
        "start",
    ),
    "a price beyond numeric(10, 4)": (
        "admin",
        "POST",
        "/api/v1/admin/tariffs",
        lambda lp: {
            "json": {
                "code": "X-1",
                "name": "试",
                "first_version": {
                    "effective_from": "2027-01-01",
                    "flat_price": "1000000",
                    "source": "通知",
                },
            }
        },
        "first_version.flat_price",
    ),
    "NUL in an order number asked by the public": (
        None,
        "GET",
        "/api/v1/public/orders/GD%00?phone_last4=1234",
        lambda lp: {},
        "number",
    ),
    "NUL in an account asked on the bill line": (
        None,
        "GET",
        "/api/v1/public/bill",
        lambda lp: {"params": {"account": "12\x0034", "phone_last4": "1234"}},
        "account",
    ),
    "the disclosure of year 9999": (
        None,
        "GET",
        "/api/v1/public/disclosure",
        lambda lp: {"params": {"on": "9999-12-31"}},
        "on",
    ),
    "NUL in a login": (
        None,
        "POST",
        "/api/v1/auth/token",
        lambda lp: {"json": {"username": "ad\x00min", "password": "x"}},
        "username",
    ),
}


def test_input_beyond_the_columns_is_refused_naming_the_field(loop: LoopApi, now: datetime) -> None:
    loop.intake("complaint")
    wrong = []
    for case, (who, method, path, make, field) in sorted(CASES.items()):
        kwargs = make(loop)
        headers = kwargs.pop("headers", {}) | (loop.headers(who) if who else {})
        response = loop.client.request(method, path, headers=headers, **kwargs)
        body = response.json() if response.headers.get("content-type") == "application/json" else {}
        got = (response.status_code, body.get("field"))
        if got != (422, field):
            wrong.append(f"{case}: {got}, expected (422, {field!r}): {response.text[:300]}")
    assert not wrong, "\n".join(wrong)


# (field, value) of a counter payment → the field the refusal names
PAYMENTS = {
    "an amount beyond numeric(14, 2)": ({"amount": "1000000000000"}, "amount"),
    "an amount of 10^20": ({"amount": "1e20"}, "amount"),
    "paid in year 9999": ({"paid_at": "9999-12-31T12:00:00+08:00"}, "paid_at"),
    "paid tomorrow": ({"paid_at": (NOW + timedelta(days=1)).isoformat()}, "paid_at"),
    "paid before the account was opened": ({"paid_at": "2026-07-01T10:00:00+08:00"}, "paid_at"),
    "NUL in the receipt number": ({"reference": "R\x001"}, "reference"),
}


def test_a_payment_out_of_range_or_out_of_time_is_refused_naming_the_field(
    client: TestClient, login: Callable[[str], dict[str, str]], account_number: str, now: datetime
) -> None:
    hall = login("hall-baohe")
    wrong = []
    for case, (changes, field) in PAYMENTS.items():
        body = {"amount": "10.00", "channel": "counter"} | changes
        response = client.post(
            f"/api/v1/accounts/{account_number}/payments", json=body, headers=hall
        )
        got = (response.status_code, response.json().get("field"))
        if got != (422, field):
            wrong.append(f"{case}: {got}, expected (422, {field!r}): {response.text[:300]}")
    assert not wrong, "\n".join(wrong)
    ok = client.post(
        f"/api/v1/accounts/{account_number}/payments",
        json={"amount": "999999999999.99", "paid_at": (NOW - timedelta(hours=1)).isoformat()},
        headers=hall,
    )
    assert ok.status_code == 201, ok.text  # the largest amount the column holds, an hour ago


@pytest.fixture
def app_with_a_raw_statement(app: FastAPI) -> FastAPI:
    """The app with one more route that sends what it is given to the database unchecked: the
    last line of defence must answer a value the database refuses, on the API and the console."""

    def unchecked(value: str, session: SessionDep) -> dict[str, str]:
        bound: object = int(value) if value.isdigit() else value
        return {"echo": str(session.scalar(text("SELECT :v"), {"v": bound}))}

    app.add_api_route("/api/v1/unchecked", unchecked, methods=["GET"])
    app.add_api_route("/console/unchecked", unchecked, methods=["GET"])
    return app


def test_a_value_the_database_refuses_is_a_422_and_logged_as_a_bug(
    app_with_a_raw_statement: FastAPI,
    org: Organisation,
    backend: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # NUL in text on PostgreSQL; on SQLite an int beyond 64 bits (SQLite stores NUL happily).
    bad = "1\x00" if backend == "postgresql" else str(2**70)
    with TestClient(app_with_a_raw_statement) as client:
        api = client.get("/api/v1/unchecked", params={"value": bad})
        page = client.get("/console/unchecked", params={"value": bad})
    assert api.status_code == 422, api.text
    assert api.json()["error"] == "validation_failed"
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "unchecked input reached the database" in caplog.text


def test_a_body_that_is_not_utf8_is_malformed_json_naming_the_body(
    loop: LoopApi, now: datetime
) -> None:
    # FastAPI answered 400 "There was an error parsing the body", a status no route documents.
    for who, path in (("agent", "/api/v1/contacts"), (None, "/api/v1/auth/token")):
        headers = (loop.headers(who) if who else {}) | {"Content-Type": "application/json"}
        response = loop.client.post(path, content=b'{"channel": "\xff\xfe"}', headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "body"
