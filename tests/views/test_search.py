"""The search box (issue 13): each kind of term finds what it should, archived and cancelled orders
included; a handler finds his own department's orders only; personal data stays masked; each
list is one query whatever the data holds; bad input is a 422 naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.access.actor import Actor, Role, system
from quarterhour.customers import accounts
from quarterhour.customers.models import Customer
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Forbidden, ValidationFailed
from quarterhour.storage.engine import make_session_factory
from quarterhour.views import search as finder
from quarterhour.views.search import Kind, classify
from workorders.loop_client import CUSTOMER_PHONE, MATTERS, LoopApi

pytestmark = pytest.mark.db

WANG_PHONE = "13966001122"


@pytest.fixture
def loop(client: TestClient, org: Organisation) -> LoopApi:
    return LoopApi(client, org)


@dataclass
class World:
    archived: dict[str, Any]  # 袁女士's complaint, through to 归档 (the 包河 hall's)
    cancelled: dict[str, Any]  # 袁女士's second call, 撤销
    repair: dict[str, Any]  # 王建国's fault, dispatched to the 包河 crew
    contact_number: str  # the contact of the repair
    yuan: int  # customer ids
    wang: int
    holder: int  # 户主1, who holds an account
    account: str
    account_phone: str
    about_account: dict[str, Any]  # an order about that account, taken for its holder


@pytest.fixture
def world(loop: LoopApi, session: Session, org: Organisation) -> World:
    first = loop.contact(
        {
            **MATTERS["complaint"],
            "description": "上月抄表数字明显偏大，怀疑抄错",
            "address": "芜湖路174号宿舍楼",
        }
    )
    archived = first["orders"][0]
    loop.drive(archived["id"], "complaint", "archived")
    second = loop.contact({**MATTERS["consultation"], "title": "重复来电"})["orders"][0]
    loop.act("dispatcher", second["id"], "dispatch")
    loop.act("dispatcher", second["id"], "cancel", note="重复")
    call = loop.contact(
        MATTERS["fault_repair"],
        customer=loop.customer(name="王建国", phone=WANG_PHONE, address="长江西路88号"),
    )
    repair = call["orders"][0]
    loop.act("dispatcher", repair["id"], "dispatch", crew="包河抢修一班")
    account, _ = Town(session, org).household("ZJ-RES")
    holder, number, phone = account.customer_id, account.number, account.phone
    session.commit()
    assert phone is not None
    about = loop.contact(
        {"order_type": "consultation", "title": "电费为何上涨"},
        customer={"id": holder, "account": number},
    )["orders"][0]
    return World(
        archived=archived,
        cancelled=second,
        repair=repair,
        contact_number=call["number"],
        yuan=first["customer_id"],
        wang=call["customer_id"],
        holder=holder,
        account=number,
        account_phone=phone,
        about_account=about,
    )


def _find(loop: LoopApi, q: str, by: str = "dispatcher", **params: Any) -> dict[str, Any]:
    response = loop.client.get(
        "/api/v1/search", params={"q": q, **params}, headers=loop.headers(by)
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _numbers(found: dict[str, Any]) -> list[str]:
    return [o["number"] for o in found["orders"]]


def _customers(found: dict[str, Any]) -> list[int]:
    return [c["id"] for c in found["customers"]]


# --- what a term is taken for (no database) ---------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kind", "matched"),
    [
        ("GD20261127000001", Kind.ORDER_NUMBER, "GD20261127000001"),
        (" gd2026 1127-000001 ", Kind.ORDER_NUMBER, "GD20261127000001"),
        ("ＧＤ２０２６１１２７０００００１", Kind.ORDER_NUMBER, "GD20261127000001"),
        ("LD20261127000001", Kind.CONTACT_NUMBER, "LD20261127000001"),
        ("3456", Kind.PHONE_LAST4, "3456"),
        ("13855123456", Kind.MOBILE, "13855123456"),
        ("138-5512 3456", Kind.MOBILE, "13855123456"),
        ("3401000123", Kind.NUMBER, "3401000123"),
        ("0551-63123456", Kind.NUMBER, "055163123456"),
        ("王建", Kind.WORDS, "王建"),
        ("芜湖路174号", Kind.WORDS, "芜湖路174号"),
        ("123", Kind.WORDS, "123"),
        ("GD2026", Kind.WORDS, "GD2026"),
    ],
)
def test_what_was_typed_is_taken_for(typed: str, kind: Kind, matched: str) -> None:
    assert classify(typed) == finder.Term(kind, matched)


@pytest.mark.parametrize("typed", ["", "   ", "x" * 65, "抄表\x00员"])
def test_nothing_too_long_or_a_control_character_is_refused_naming_q(typed: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        classify(typed)
    assert refused.value.field == "q"


# --- each kind finds what it should -------------------------------------------------------------


def test_an_order_number_finds_that_order_archived_or_cancelled(
    loop: LoopApi, world: World
) -> None:
    for order in (world.archived, world.cancelled):
        found = _find(loop, order["number"].lower())
        assert found["kind"] == "order_number"
        assert _numbers(found) == [order["number"]]
        assert found["customers"] == []
    assert _find(loop, world.archived["number"])["orders"][0]["state"] == "archived"
    assert _find(loop, world.cancelled["number"])["orders"][0]["state"] == "cancelled"


def test_a_contacts_number_finds_its_orders(loop: LoopApi, world: World) -> None:
    found = _find(loop, world.contact_number)
    assert found["kind"] == "contact_number"
    assert _numbers(found) == [world.repair["number"]]


def test_the_last_four_digits_find_the_caller_and_all_his_orders(
    loop: LoopApi, world: World
) -> None:
    found = _find(loop, CUSTOMER_PHONE[-4:])
    assert found["kind"] == "phone_last4"
    assert _customers(found) == [world.yuan]
    # Newest first, closed ones too.
    assert _numbers(found) == [world.cancelled["number"], world.archived["number"]]


def test_a_whole_phone_finds_the_caller_typed_with_separators(loop: LoopApi, world: World) -> None:
    found = _find(loop, "138-5512-3456")
    assert found["kind"] == "mobile"
    assert _customers(found) == [world.yuan]
    assert set(_numbers(found)) == {world.cancelled["number"], world.archived["number"]}
    found = _find(loop, WANG_PHONE)
    assert _customers(found) == [world.wang] and _numbers(found) == [world.repair["number"]]


def test_an_account_number_finds_its_holder_with_his_accounts_and_the_orders_about_it(
    loop: LoopApi, world: World
) -> None:
    found = _find(loop, world.account)
    assert found["kind"] == "number"
    (holder,) = found["customers"]
    assert holder["id"] == world.holder
    assert holder["accounts"] == [world.account] and holder["more_accounts"] == 0
    assert _numbers(found) == [world.about_account["number"]]
    # The account's registered phone finds its holder too.
    assert _customers(_find(loop, world.account_phone)) == [world.holder]


def test_words_find_names_addresses_and_the_orders_text(loop: LoopApi, world: World) -> None:
    by_text = _find(loop, "抄表数字")  # the archived complaint's description
    assert by_text["kind"] == "words" and by_text["parts_searched"]
    assert _numbers(by_text) == [world.archived["number"]]
    by_title = _find(loop, "整栋楼停电")
    assert _numbers(by_title) == [world.repair["number"]]
    by_address = _find(loop, "长江西路")  # 王建国's own address, and his order's
    assert _customers(by_address) == [world.wang]
    assert _numbers(by_address) == [world.repair["number"]]
    by_premises = _find(loop, "拱辰街")  # the service address of 户主1's account
    assert _customers(by_premises) == [world.holder]
    by_name = _find(loop, "王建国")
    assert _customers(by_name) == [world.wang]
    assert by_name["customers"][0]["name"] == "王**"


def test_two_characters_search_the_start_of_names_only(loop: LoopApi, world: World) -> None:
    found = _find(loop, "王建")
    assert _customers(found) == [world.wang]
    assert found["orders"] == [] and found["parts_searched"] is False
    assert _find(loop, "停电")["orders"] == []  # in a title, but too short for its index


def test_wildcards_are_matched_as_typed(loop: LoopApi, world: World) -> None:
    for typed in ("%%%", "___", "/%/", "袁'女士", "'; --", "a\\b%"):
        found = _find(loop, typed)
        assert found["orders"] == [] and found["customers"] == [], typed


def test_the_lists_are_cut_at_the_limit_and_say_there_is_more(loop: LoopApi, world: World) -> None:
    found = _find(loop, CUSTOMER_PHONE, limit=1)
    assert _numbers(found) == [world.cancelled["number"]] and found["more_orders"]
    assert not found["more_customers"]


def test_personal_data_is_masked(loop: LoopApi, world: World) -> None:
    response = loop.client.get(
        "/api/v1/search", params={"q": CUSTOMER_PHONE}, headers=loop.headers("agent")
    )
    assert CUSTOMER_PHONE not in response.text
    body = response.json()
    assert body["customers"][0]["phone"] == "138****3456"
    assert body["customers"][0]["name"] == "袁**"
    assert {o["customer_phone"] for o in body["orders"]} == {"138****3456"}


# --- who sees what ------------------------------------------------------------------------------


def test_a_handler_finds_his_own_departments_orders_only(loop: LoopApi, world: World) -> None:
    assert _numbers(_find(loop, WANG_PHONE, by="repair-baohe")) == [world.repair["number"]]
    mine = _find(loop, CUSTOMER_PHONE, by="hall-baohe")
    assert mine["own_department_only"]
    # The archived complaint went through the 包河 hall; the cancelled one never reached it.
    assert _numbers(mine) == [world.archived["number"]]
    for other in ("hall-baohe", "hall-shushan"):
        found = _find(loop, world.repair["number"], by=other)
        assert found["orders"] == [], other
    # Customers are everyone's to find who may see customers.
    assert _customers(_find(loop, WANG_PHONE, by="hall-shushan")) == [world.wang]
    assert not _find(loop, WANG_PHONE, by="dispatcher")["own_department_only"]


def test_a_role_that_sees_neither_orders_nor_customers_is_refused(
    loop: LoopApi, world: World, session: Session
) -> None:
    response = loop.client.get(
        "/api/v1/search", params={"q": "王建国"}, headers=loop.headers("admin")
    )
    assert response.status_code == 403, response.text
    with pytest.raises(Forbidden):
        finder.search(session, "王建国", by=Actor(1, "admin", Role.ADMIN, None))


# --- a fixed number of queries ------------------------------------------------------------------


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_each_list_is_one_query_whatever_the_data_holds(
    loop: LoopApi, world: World, engine: Engine, statements: list[str]
) -> None:
    dispatcher = Actor(1, "dispatcher", Role.DISPATCHER, None)
    terms = [
        CUSTOMER_PHONE,
        CUSTOMER_PHONE[-4:],
        world.account,
        "芜湖路174号",
        "拱辰街",
        "王建国",
        "王建",
    ]

    def queries() -> dict[str, tuple[int, int, int]]:
        counted = {}
        with make_session_factory(engine)() as session:
            session.execute(text("SELECT 1"))  # the transaction begins (SQLite: BEGIN) here
            for q in terms:
                statements.clear()
                found = finder.search(session, q, by=dispatcher, limit=50)
                counted[q] = (len(statements), len(found.orders), len(found.customers))
        return counted

    few = queries()
    for n in range(6):  # more orders and accounts behind every kind of term
        loop.intake("complaint", description=f"又一次反映 {n}", address="芜湖路174号宿舍楼")
    with make_session_factory(engine)() as session:
        town = Town(session, loop.org)
        holder = session.get(Customer, world.holder)
        assert holder is not None
        for n in range(7):  # seven more accounts of 户主1, at seven more service addresses
            flat = accounts.add_premises(
                session,
                address=f"合肥市包河区拱辰街{n + 50}号",
                district_id=town.district,
                by=system("test"),
            )
            accounts.open_account(
                session,
                customer=holder,
                premises=flat,
                tariff_id=town.tariffs["ZJ-RES"],
                opened_on=date(2026, 8, 1),
            )
        session.commit()
    many = queries()
    assert {q: n for q, (n, _, _) in few.items()} == {q: n for q, (n, _, _) in many.items()}
    # Orders and customers; two characters search names only, an order's number orders only.
    assert {q: n for q, (n, _, _) in many.items()} == {q: 1 if q == "王建" else 2 for q in terms}
    assert many[CUSTOMER_PHONE][1] == few[CUSTOMER_PHONE][1] + 6
    assert many["芜湖路174号"][1] > few["芜湖路174号"][1]
    with make_session_factory(engine)() as session:
        (holder_hit,) = finder.search(session, world.account, by=dispatcher).customers
    assert len(holder_hit.accounts) == finder.ACCOUNTS_SHOWN and holder_hit.more_accounts == 3
    assert holder_hit.accounts == sorted(holder_hit.accounts)
    # An order's number names no customer: one query.
    with make_session_factory(engine)() as session:
        session.execute(text("SELECT 1"))
        statements.clear()
        finder.search(session, world.archived["number"], by=dispatcher)
    assert len(statements) == 1


def test_the_postgresql_plans_use_the_search_indexes(
    world: World, engine: Engine, statements: list[str], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL's own indexes")
    dispatcher = Actor(1, "dispatcher", Role.DISPATCHER, None)
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        sent.append((statement, parameters))

    plans = []
    with make_session_factory(engine)() as session:
        # Each statement as the search sends it (the patterns written in, the rest parameters),
        # explained with sequential scans priced out: a handful of rows would not need an index.
        event.listen(engine, "before_cursor_execute", record)
        try:
            for q in ("抄表数字", "王建国"):
                finder.search(session, q, by=dispatcher)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        session.execute(text("SET LOCAL enable_seqscan = off"))
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        for statement, parameters in sent:
            cursor.execute(f"EXPLAIN {statement}", parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    joined = "\n".join(plans)
    assert "ix_work_order_text_trgm" in joined
    assert "ix_customer_name_prefix" in joined
    assert "ix_customer_address_trgm" in joined
    assert "ix_premises_address_trgm" in joined


def test_the_patterns_are_written_in_quoted(
    world: World, engine: Engine, statements: list[str]
) -> None:
    dispatcher = Actor(1, "dispatcher", Role.DISPATCHER, None)
    with make_session_factory(engine)() as session:
        found = finder.search(session, "袁'女士%", by=dispatcher)
    assert found.orders == [] and found.customers == []
    # The quote doubled, the wildcard escaped (PostgreSQL's driver doubles % once more).
    assert any("袁''女士/%" in sql for sql in statements), statements


# --- the API's bounds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 65}, "q"),
        ({"q": "王\x00建国"}, "q"),
        ({}, "q"),
        ({"q": "王建国", "limit": 0}, "limit"),
        ({"q": "王建国", "limit": 51}, "limit"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    loop: LoopApi, params: dict[str, Any], field: str
) -> None:
    response = loop.client.get("/api/v1/search", params=params, headers=loop.headers("agent"))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_the_search_needs_a_token(client: TestClient) -> None:
    assert client.get("/api/v1/search", params={"q": "王建国"}).status_code == 401
