"""Role × action matrix through the API: who gets 200/201 and who gets 403, for every action.

The expected answers are written out here on purpose, not read from `lifecycle.MOVES` or
`permissions.GRANTS`: a change to the rules must change this file too. The two consistency tests
at the top only check that the table below still says what the rule tables say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count
from typing import Any

import httpx
import pytest

from quarterhour.access.actor import STAFF_ROLES, Role
from quarterhour.access.permissions import GRANTS, Permission
from quarterhour.demo.organisation import Organisation
from quarterhour.workorders.lifecycle import SYSTEM_ACTIONS, Action, State, move_for
from workorders.loop_client import LoopApi

A, D, H, X, F, S, ADM = (
    "duty_agent",
    "dispatcher",
    "handler",  # a handler of the order's own department
    "handler_elsewhere",  # a handler of another department
    "follow_up_agent",
    "supervisor",
    "admin",
)
EVERYONE = (A, D, H, X, F, S, ADM)
ROLE = {
    A: Role.DUTY_AGENT,
    D: Role.DISPATCHER,
    H: Role.HANDLER,
    X: Role.HANDLER,
    F: Role.FOLLOW_UP_AGENT,
    S: Role.SUPERVISOR,
    ADM: Role.ADMIN,
}
USER = {A: "agent", D: "dispatcher", F: "followup", S: "supervisor", ADM: "admin"}
# The department an order of each type is routed to in 包河区 (its handler's username is the code).
OWN_DEPARTMENT = {
    "complaint": "hall-baohe",
    "fault_repair": "repair-baohe",
    "consultation": "marketing",
    "new_connection": "hall-baohe",
}
ELSEWHERE = "hall-shushan"


@dataclass(frozen=True)
class Case:
    kind: str  # order type used
    state: str  # the state the action is tried in
    allowed: frozenset[str]
    target: str
    body: dict[str, Any] = field(default_factory=dict)
    steps: int | None = None  # how far along the usual path (when the state is reached twice)


def case(
    kind: str,
    state: str,
    allowed: set[str],
    target: str,
    body: dict[str, Any] | None = None,
    steps: int | None = None,
) -> Case:
    return Case(kind, state, frozenset(allowed), target, body or {}, steps)


MATRIX: dict[str, Case] = {
    "close_on_intake": case("consultation", "accepted", {A, D}, "archived", {"result": "已解答"}),
    "dispatch": case("complaint", "accepted", {D, S}, "dispatched"),
    "redispatch": case("complaint", "dispatched", {D, S}, "dispatched"),
    "decline": case("complaint", "dispatched", {H}, "accepted", {"note": "非本部门业务"}),
    "acknowledge": case("complaint", "dispatched", {H}, "acknowledged"),
    "contact_customer": case("complaint", "acknowledged", {H}, "in_progress"),
    "record_progress": case("complaint", "acknowledged", {H}, "in_progress", {"note": "已到现场"}),
    "arrive": case("fault_repair", "acknowledged", {H}, "in_progress"),
    "restore": case("fault_repair", "in_progress", {H}, "in_progress"),
    "return_result": case("complaint", "in_progress", {H}, "returned", {"result": "已处理"}),
    "approve": case("complaint", "returned", {D, S}, "reviewed"),
    "send_back": case("complaint", "returned", {D, S}, "dispatched", {"note": "未联系客户"}),
    "reply": case("complaint", "reviewed", {A, D, F}, "replied", {"reply_method": "phone"}),
    "follow_up": case("complaint", "replied", {D, F}, "followed_up", {"outcome": "satisfied"}),
    "archive": case("complaint", "followed_up", {D, F, S}, "archived"),
    "cancel": case("complaint", "accepted", {D, S}, "cancelled", {"note": "重复受理"}),
    "press": case("complaint", "dispatched", {D, S}, "dispatched", {"note": "请尽快处理"}),
    "escalate": case("complaint", "in_progress", {S}, "in_progress", {"note": "督办"}),
    "pause": case("new_connection", "acknowledged", {H}, "acknowledged", {"note": "等待客户"}),
    "resume": case("new_connection", "in_progress", {H}, "in_progress", {"note": "已交资料"}, 4),
    "comment": case("complaint", "reviewed", {A, D, H, F, S}, "reviewed", {"note": "客户催问"}),
}
# Taken by the system only (intake, the sweep, the calendar, an outage's intake and restoration):
# refused to everyone through the API.
# Moves the system makes too, besides the roles of the matrix: the customer's answer to the
# survey by SMS is recorded as a follow-up by the system (workorders/sms_survey.py).
BY_THE_SYSTEM_TOO = {"follow_up": {Role.SYSTEM}}
SYSTEM_ONLY = ("accept", "warn", "reschedule", "link_outage", "outage_reply")
# Offered only on a fault call linked to an outage, which the matrix's orders never are: its roles
# are held to the lifecycle table here, its refusals tested in tests/outages/test_outage_calls.py.
ON_LINKED_CALLS = {"split_out": {D, S}}
# Who may see an order at all (the handler only his own department's work).
SEES_ORDERS = frozenset({A, D, H, F, S})


def test_the_matrix_covers_every_role_and_action() -> None:
    assert set(ROLE.values()) == set(STAFF_ROLES)
    assert set(MATRIX) | set(SYSTEM_ONLY) | set(ON_LINKED_CALLS) == {str(a) for a in Action}
    assert {Action(a) for a in SYSTEM_ONLY} == set(SYSTEM_ACTIONS)


@pytest.mark.parametrize("action", sorted(ON_LINKED_CALLS))
def test_moves_on_linked_calls_agree_with_the_lifecycle_table(action: str) -> None:
    move = move_for(State.ACCEPTED, Action(action))
    assert move is not None and Action(action) not in SYSTEM_ACTIONS
    assert move.roles == {ROLE[who] for who in ON_LINKED_CALLS[action]}


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_the_matrix_agrees_with_the_lifecycle_table(action: str) -> None:
    c = MATRIX[action]
    move = move_for(State(c.state), Action(action))
    assert move is not None and Action(action) not in SYSTEM_ACTIONS
    assert move.roles - BY_THE_SYSTEM_TOO.get(action, set()) == {ROLE[who] for who in c.allowed}
    assert move.department_only == (c.allowed == {H})


def _username(who: str, kind: str) -> str:
    if who == H:
        return OWN_DEPARTMENT[kind]
    if who == X:
        return ELSEWHERE
    return USER[who]


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_lifecycle_action_by_every_role(loop: LoopApi, action: str) -> None:
    c = MATRIX[action]
    wrong: list[str] = []
    for who in EVERYONE:
        order = loop.new_order(c.kind, c.state, steps=c.steps)
        assert order["state"] == c.state
        response = loop.client.post(
            f"/api/v1/orders/{order['id']}/actions/{action}",
            json=c.body,
            headers=loop.headers(_username(who, c.kind)),
        )
        expected = 200 if who in c.allowed else 403
        if response.status_code != expected:
            wrong.append(f"{who}: {response.status_code} (expected {expected}) {response.text}")
            continue
        after = loop.order(order["id"])
        if expected == 200:
            assert after["state"] == c.target, who
            assert after["events"][-1]["action"] == action
        else:
            # Refused: nothing about the order moved.
            assert (after["state"], after["version"]) == (order["state"], order["version"]), who
            assert len(after["events"]) == len(order["events"]), who
            assert response.json()["error"] == "forbidden"
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("action", SYSTEM_ONLY)
def test_system_actions_are_refused_to_every_role(loop: LoopApi, action: str) -> None:
    order = loop.new_order("complaint", "dispatched")
    for who in EVERYONE:
        response = loop.client.post(
            f"/api/v1/orders/{order['id']}/actions/{action}",
            json={"note": "x"},
            headers=loop.headers(_username(who, "complaint")),
        )
        # Whoever may see the order learns the move does not exist; the rest learn nothing.
        assert response.status_code == (409 if who in SEES_ORDERS else 403), (who, response.text)
    assert loop.order(order["id"])["version"] == order["version"]


def test_viewing_an_order_by_every_role(loop: LoopApi) -> None:
    order = loop.new_order("complaint", "dispatched")
    for who in EVERYONE:
        response = loop.client.get(
            f"/api/v1/orders/{order['id']}", headers=loop.headers(_username(who, "complaint"))
        )
        assert response.status_code == (200 if who in SEES_ORDERS else 403), who


def test_a_handler_lists_only_his_own_departments_work(loop: LoopApi) -> None:
    mine = loop.new_order("complaint", "dispatched")
    elsewhere = loop.contact(
        {"order_type": "complaint", "title": "他区投诉"},
        customer=loop.customer(phone="13966001122", district_id=loop.org.districts["shushan"]),
    )["orders"][0]
    assert elsewhere["department_id"] == loop.org.dept("hall-shushan")
    for username, expected in (("hall-baohe", {mine["id"]}), ("hall-yaohai", set())):
        # Asking for another department's work is refused outright, not narrowed silently.
        refused = loop.client.get(
            "/api/v1/orders",
            params={"department_id": loop.org.dept("hall-shushan")},
            headers=loop.headers(username),
        )
        assert refused.status_code == 403, username
        assert refused.json()["field"] == "department_id"
        response = loop.client.get("/api/v1/orders", headers=loop.headers(username))
        assert response.status_code == 200
        assert {o["id"] for o in response.json()["items"]} == expected, username


# --- endpoints outside the lifecycle ---------------------------------------------------------

_serial = count(1)


def _contact_body(org: Organisation) -> dict[str, Any]:
    return {
        "channel": "counter",
        "customer": {
            "name": "黄先生",
            "phone": "13700001111",
            "district_id": org.districts["baohe"],
        },
        "matters": [{"order_type": "complaint", "title": "营业厅排队时间长"}],
    }


def _staff_body(org: Organisation) -> dict[str, Any]:
    return {
        "username": f"agent-new-{next(_serial)}",
        "full_name": "新坐席",
        "role": "duty_agent",
        "password": "a-long-enough-password-1996",
        "department_id": org.dept("centre"),
    }


def _episode_body(org: Organisation) -> dict[str, Any]:
    # A distinct weekday per call: one episode per day.
    day = date(2026, 3, 2) + timedelta(days=7 * next(_serial))
    return {
        "air_date": day.isoformat(),
        "roster": [
            {"staff_id": org.staff["leader"].id, "duty": "leader"},
            {"staff_id": org.staff["specialist"].id, "duty": "specialist"},
        ],
    }


def _department_body(org: Organisation) -> dict[str, Any]:
    return {"code": f"dept-{next(_serial)}", "name": "新部门", "kind": "other"}


def _rule_body(org: Organisation) -> dict[str, Any]:
    return {"order_type": "praise", "department_id": org.dept("marketing")}


CALENDAR_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    allowed: frozenset[str]
    success: int = 200
    permission: Permission | None = None  # the grant it rests on, when it is a single one
    json: Callable[[Organisation], dict[str, Any]] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


def endpoint(
    method: str,
    path: str,
    allowed: set[str],
    success: int = 200,
    permission: Permission | None = None,
    json: Callable[[Organisation], dict[str, Any]] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> Endpoint:
    return Endpoint(method, path, frozenset(allowed), success, permission, json, files)


ENDPOINTS = {
    "intake": endpoint(
        "POST", "/api/v1/contacts", {A, D}, 201, Permission.TAKE_CONTACT, _contact_body
    ),
    "order list": endpoint("GET", "/api/v1/orders", {A, D, H, F, S}, 200, Permission.VIEW_ORDERS),
    "staff list": endpoint("GET", "/api/v1/staff", {ADM}, 200, Permission.MANAGE_STAFF),
    "staff create": endpoint(
        "POST", "/api/v1/staff", {ADM}, 201, Permission.MANAGE_STAFF, _staff_body
    ),
    "calendar": endpoint("GET", "/api/v1/admin/calendar", {ADM}, 200, Permission.MANAGE_CALENDAR),
    "calendar load": endpoint(
        "POST",
        "/api/v1/admin/calendar/years",
        {ADM},
        200,
        Permission.MANAGE_CALENDAR,
        files={"file": ("2027.csv", CALENDAR_2027.encode(), "text/csv")},
    ),
    "warnings": endpoint(
        "GET", "/api/v1/admin/warnings", {S, ADM}, 200, Permission.VIEW_ADMIN_WARNINGS
    ),
    "sweep": endpoint("POST", "/api/v1/admin/sweep", {S, ADM}, 200, Permission.RUN_SWEEP),
    "episode create": endpoint(
        "POST", "/api/v1/episodes", {S, ADM}, 201, Permission.MANAGE_PROGRAMME, _episode_body
    ),
    "episode list": endpoint(
        "GET", "/api/v1/episodes", {A, D, S, ADM}, 200, Permission.VIEW_PROGRAMME
    ),
    "department create": endpoint(
        "POST",
        "/api/v1/departments",
        {ADM},
        201,
        Permission.MANAGE_ORGANISATION,
        _department_body,
    ),
    "routing rule create": endpoint(
        "POST",
        "/api/v1/routing-rules",
        {ADM},
        201,
        Permission.MANAGE_ORGANISATION,
        _rule_body,
    ),
    "policies": endpoint("GET", "/api/v1/admin/policies", {A, D, H, F, S, ADM}),
    "customer search": endpoint(
        "GET",
        "/api/v1/customers?phone=13900000000",
        {A, D, H, F, S},
        200,
        Permission.VIEW_CUSTOMERS,
    ),
    # No such account: the roles allowed learn that (404); the others are refused first (403).
    "account statement": endpoint(
        "GET",
        "/api/v1/accounts/0000000000/statement",
        {A, D, H, F, S},
        404,
        Permission.VIEW_CUSTOMERS,
    ),
    "tariff version": endpoint(
        "POST",
        "/api/v1/admin/tariffs/NOPE/versions",
        {ADM},
        404,
        Permission.MANAGE_TARIFFS,
        lambda _org: {"effective_from": "2027-01-01", "flat_price": "0.6", "source": "通知"},
    ),
    "counter payment": endpoint(
        "POST",
        "/api/v1/accounts/0000000000/payments",
        {H},
        404,
        Permission.RECORD_PAYMENT,
        lambda _org: {"amount": "10.00", "channel": "counter"},
    ),
    "districts": endpoint("GET", "/api/v1/districts", {A, D, H, F, S, ADM}),
    "message templates": endpoint(
        "GET", "/api/v1/admin/message-templates", {ADM}, 200, Permission.MANAGE_MESSAGES
    ),
    "webhook endpoints": endpoint(
        "GET", "/api/v1/admin/webhooks", {ADM}, 200, Permission.MANAGE_MESSAGES
    ),
    "background jobs": endpoint("GET", "/api/v1/jobs", {ADM}, 200, Permission.MANAGE_JOBS),
    "message figures": endpoint(
        "GET",
        "/api/v1/stats/messages?start=2026-10-01&end=2026-10-31",
        {D, S, ADM},
        200,
        Permission.VIEW_STATS,
    ),
    # No such customer: the roles allowed learn that (404); the others are refused first (403).
    "contact preferences": endpoint(
        "PUT",
        "/api/v1/customers/999999/contact-preferences",
        {A, D, F, ADM},
        404,
        Permission.SET_CONTACT_PREFERENCES,
        lambda _org: {"sms_allowed": False},
    ),
}
ROLES_ONLY = (A, D, H, F, S, ADM)  # outside the lifecycle a handler's department does not matter


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_the_endpoint_table_agrees_with_the_grants(name: str) -> None:
    e = ENDPOINTS[name]
    if e.permission is not None:
        assert GRANTS[e.permission] == {ROLE[who] for who in e.allowed}


def _call(client: httpx.Client, e: Endpoint, org: Organisation, headers: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if e.json is not None:
        kwargs["json"] = e.json(org)
    if e.files is not None:
        kwargs["files"] = e.files
    return client.request(e.method, e.path, **kwargs)


def test_every_endpoint_by_every_role(loop: LoopApi) -> None:
    wrong = []
    for name, e in sorted(ENDPOINTS.items()):
        for who in ROLES_ONLY:
            username = USER.get(who, "hall-baohe")
            response = _call(loop.client, e, loop.org, loop.headers(username))
            expected = e.success if who in e.allowed else 403
            if response.status_code != expected:
                wrong.append(
                    f"{name} by {who}: {response.status_code} (expected {expected}) {response.text}"
                )
    assert not wrong, "\n".join(wrong)


def test_every_endpoint_without_a_valid_token_is_401(loop: LoopApi) -> None:
    wrong = []
    for name, e in sorted(ENDPOINTS.items()):
        for headers in (
            {},
            {"Authorization": "Bearer not-a-token"},
            {"Authorization": "Basic eDp5"},
        ):
            response = _call(loop.client, e, loop.org, headers)
            if response.status_code != 401 or response.headers.get("WWW-Authenticate") != "Bearer":
                wrong.append(f"{name} {headers}: {response.status_code} {response.text}")
    assert not wrong, "\n".join(wrong)


def test_lifecycle_action_without_a_token_is_401(loop: LoopApi) -> None:
    order = loop.intake("complaint")
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = loop.client.post(
            f"/api/v1/orders/{order['id']}/actions/dispatch", json={}, headers=headers
        )
        assert response.status_code == 401
        assert loop.client.get(f"/api/v1/orders/{order['id']}", headers=headers).status_code == 401
    assert loop.order(order["id"])["state"] == "accepted"
