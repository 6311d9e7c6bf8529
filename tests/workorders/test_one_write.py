"""Intake and every move write exactly once, so the API may run them in autocommit.

The API runs intake and a lifecycle move on PostgreSQL in autocommit
(`storage.engine.make_one_write_session_factory`): each is atomic only because it writes with
one statement. These tests take intake in its variants and every move the lifecycle table has
(`lifecycle.MOVES`, every follow-up outcome) through the one-write session and count the write
statements the database is sent. On PostgreSQL they are counted on psycopg's own cursors, which
see SQLAlchemy's statements and `storage/driver.py`'s alike: exactly one per use case, and every
row it wrote carries the same transaction id (`xmin`). SQLite has no such session — there the
write path is a few statements inside one transaction (BEGIN IMMEDIATE) — so there the tests
check that the use case's writes all lie between its one BEGIN and its one COMMIT instead.

A second write is refused loudly (`OneWriteViolated`), and a row queued with
`one_write.also_insert` joins the one write.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, event, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from outages.outage_network import load_network
from quarterhour.access.actor import Actor, system
from quarterhour.access.permissions import can_see_order
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.outages import service as outages
from quarterhour.storage import one_write
from quarterhour.storage.driver import driver_rows
from quarterhour.storage.engine import (
    make_engine,
    make_one_write_session_factory,
    make_session_factory,
)
from quarterhour.throttle.models import FailureBudget
from quarterhour.workorders import intake, moves, repository, routing, writes
from quarterhour.workorders.kinds import FollowUpOutcome, OrderType, ServiceSubtype
from quarterhour.workorders.lifecycle import (
    MOVES,
    SYSTEM_ACTIONS,
    Action,
    Guard,
    State,
    actions_for,
)
from quarterhour.workorders.models import OrderEvent, WorkOrder
from quarterhour.workorders.schemas import ActionIn, ContactIn

pytestmark = pytest.mark.db

USERS = (
    "agent",
    "dispatcher",
    "hall-baohe",
    "hall-shushan",
    "repair-baohe",
    "marketing",
    "followup",
    "supervisor",
)
START = datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)
KINDS: list[tuple[str, str | None]] = [
    *((str(t), None) for t in OrderType if t != OrderType.SERVICE_REQUEST),
    *((str(OrderType.SERVICE_REQUEST), str(s)) for s in ServiceSubtype),
]
# Moves that take an order further round the loop.
FORWARD = frozenset(
    {
        Action.DISPATCH,
        Action.ACKNOWLEDGE,
        Action.ARRIVE,
        Action.RESTORE,
        Action.RESUME,
        Action.RETURN_RESULT,
        Action.APPROVE,
        Action.REPLY,
        Action.FOLLOW_UP,
        Action.ARCHIVE,
    }
)


def _is_write(statement: str) -> bool:
    # The tests' own reading of a statement, independent of storage/one_write.py's.
    words = statement.split()
    first = words[0].upper() if words else ""
    if first in ("INSERT", "UPDATE", "DELETE", "MERGE"):
        return True
    if first == "COPY":
        return " FROM " in statement.upper()
    if first != "WITH":
        return False
    squeezed = " ".join(statement.upper().replace("(", " ( ").split())
    return any(f"AS ( {verb} " in squeezed for verb in ("INSERT", "UPDATE", "DELETE", "MERGE"))


@dataclass
class Log:
    """What the database was sent, in order: ("sql", text), ("begin",), ("commit",), …"""

    entries: list[tuple[str, ...]] = field(default_factory=list)

    def writes(self) -> list[str]:
        return [e[1] for e in self.entries if e[0] == "sql" and _is_write(e[1])]


@dataclass
class Counted:
    backend: str
    factory: sessionmaker[Session]
    log: Log
    check: Session  # an ordinary session on the shared engine, to look at what was written

    def run(self, what: str, use_case: Callable[[Session], Any]) -> Any:
        """One use case on a one-write session, committed as the API's routes commit it; its
        writes are one statement (PostgreSQL) or lie inside one transaction (SQLite)."""
        self.log.entries.clear()
        with self.factory() as session:
            result = use_case(session)
            session.commit()
        self.assert_written_once(what)
        return result

    def assert_written_once(self, what: str) -> None:
        writes = self.log.writes()
        if self.backend == "postgresql":
            assert len(writes) == 1, f"{what}: {len(writes)} write statements: {writes}"
            return
        kinds = [e[0] for e in self.log.entries]
        assert writes, f"{what}: nothing written"
        assert kinds.count("begin") == 1, f"{what}: {kinds.count('begin')} transactions"
        assert kinds.count("commit") == 1, f"{what}: {kinds.count('commit')} commits"
        assert kinds[-1] == "commit", f"{what}: something ran after the commit"
        assert "rollback" not in kinds, f"{what}: rolled back"
        begun = kinds.index("begin")
        assert all(
            n > begun for n, e in enumerate(self.log.entries) if e[0] == "sql" and _is_write(e[1])
        ), f"{what}: a write before the transaction began"

    def same_transaction(self, what: str, query: str, **params: Any) -> None:
        """PostgreSQL: every row `query` returns (as xmin::text) was written by one transaction."""
        if self.backend != "postgresql":
            return
        xids = set(self.check.scalars(text(query), params))
        self.check.rollback()
        assert len(xids) == 1, f"{what}: rows written by transactions {sorted(xids)}"


@pytest.fixture
def counted(database_url: str, backend: str, engine: Engine) -> Iterator[Counted]:
    own = make_engine(Settings(database_url=database_url))
    log = Log()
    if backend == "postgresql":
        # Every statement on psycopg's cursors: SQLAlchemy's and storage/driver.py's own.
        class Recording(psycopg.Cursor[Any]):
            def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
                log.entries.append(("sql", str(query)))
                return super().execute(query, params, **kwargs)

            def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:
                log.entries.append(("sql", str(query)))
                super().executemany(query, params_seq, **kwargs)

        @event.listens_for(own, "connect")
        def _recording(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.cursor_factory = Recording
    else:

        @event.listens_for(own, "before_cursor_execute")
        def _statement(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            log.entries.append(("sql", statement))

    for name in ("begin", "commit", "rollback"):
        event.listen(own, name, lambda _c, name=name: log.entries.append((name,)))
    with make_session_factory(engine)() as check:
        yield Counted(backend, make_one_write_session_factory(own), log, check)
    own.dispose()


def _contact(kind: str, subtype: str | None, *, org: Organisation, **extra: Any) -> ContactIn:
    matter: dict[str, Any] = {"order_type": kind, "title": "测试工单"}
    if kind == OrderType.FAULT_REPAIR:
        matter["area_class"] = "urban"
    if subtype is not None:
        matter["subtype"] = subtype
    return ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {
                "name": "袁女士",
                "phone": "13855123456",
                "district_id": org.districts["baohe"],
            },
            "matters": [matter],
        }
        | extra
    )


def _take(counted: Counted, data: ContactIn, by: Actor, settings: Settings, **kw: Any) -> Any:
    result = counted.run(
        "take_contact",
        lambda s: intake.take_contact(s, data, by=by, settings=settings, **kw),
    )
    counted.same_transaction(
        "take_contact",
        "SELECT xmin::text FROM contact WHERE id = :c"
        " UNION ALL SELECT xmin::text FROM work_order WHERE contact_id = :c"
        " UNION ALL SELECT e.xmin::text FROM order_event e JOIN work_order o ON o.id = e.order_id"
        " WHERE o.contact_id = :c"
        " UNION ALL SELECT d.xmin::text FROM deadline d JOIN work_order o ON o.id = d.order_id"
        " WHERE o.contact_id = :c",
        c=result.contact.id,
    )
    return result


def test_intake_writes_once_in_each_of_its_forms(
    counted: Counted, org: Organisation, settings: Settings, frozen_clock: Any
) -> None:
    frozen_clock.set(START)
    agent = actor_of(org.staff["agent"])
    # A new caller: the customer, the contact, the order, its deadlines and its event.
    first = _take(counted, _contact("complaint", None, org=org), agent, settings)
    assert first.created
    # The same caller again, with two matters, one of them answered on the spot (直接办结).
    two = _contact("fault_repair", None, org=org)
    two.matters.append(
        _contact("consultation", None, org=org).matters[0].model_copy(update={"answer": "已解答"})
    )
    again = _take(counted, two, agent, settings)
    assert [o.state for o in again.orders] == [State.ACCEPTED, State.ARCHIVED]
    # By customer id, with an Idempotency-Key; the same request again writes nothing.
    keyed = _contact("opinion", None, org=org, customer={"id": first.contact.customer_id})
    _take(counted, keyed, agent, settings, idempotency_key="k-1")
    counted.log.entries.clear()
    with counted.factory() as session:
        replay = intake.take_contact(
            session, keyed, by=agent, settings=settings, idempotency_key="k-1"
        )
        session.commit()
    assert not replay.created
    assert counted.log.writes() == []


def test_every_move_of_the_lifecycle_writes_once(
    counted: Counted, org: Organisation, settings: Settings, frozen_clock: Any
) -> None:
    """Orders of every type walk the loop, each step taking a move not yet seen when one is
    offered, until every (state, action) of the table — each follow-up outcome apart — has
    been written once through the one-write session."""
    frozen_clock.set(START)
    actors = {u: actor_of(org.staff[u]) for u in USERS}
    wanted: set[tuple[str, str, str | None]] = set()
    for move in MOVES:
        if move.action in SYSTEM_ACTIONS or move.state is None:
            continue
        if move.guard is Guard.LINKED:
            continue  # only a call linked to an outage: test_a_linked_call_intake_and_split_out
        outcomes = list(FollowUpOutcome) if move.action is Action.FOLLOW_UP else [None]
        wanted |= {(str(move.state), str(move.action), o and str(o)) for o in outcomes}
    done: set[tuple[str, str, str | None]] = set()

    def order_now(order_id: int) -> WorkOrder:
        order = repository.get_order(counted.check, order_id)
        counted.check.expunge(order)  # kept as read
        counted.check.rollback()  # SQLite: BEGIN IMMEDIATE took the write lock even to read
        return order

    def walk(kind: str, subtype: str | None) -> None:
        data = _contact(kind, subtype, org=org)
        order_id: int = _take(counted, data, actors["agent"], settings).orders[0].id
        department = org.dept("repair-baohe" if kind == OrderType.FAULT_REPAIR else "hall-baohe")
        for _ in range(40):
            frozen_clock.advance(minutes=7)
            order = order_now(order_id)
            offered = [
                ((str(order.state), str(a), o and str(o)), who, a, o)
                for who in USERS
                if can_see_order(actors[who], order.department_id)
                for a in actions_for(order, actors[who].role, actors[who].department_id)
                for o in (list(FollowUpOutcome) if a is Action.FOLLOW_UP else [None])
            ]
            if not offered:
                return
            new = [option for option in offered if option[0] not in done]
            # Nothing new here: mostly further round the loop, sometimes any offered move (a
            # repair's crew arrives after the customer was contacted only that way).
            ahead = [option for option in offered if option[2] in FORWARD] or offered
            key, who, action, outcome = (
                new[0] if new else rng.choice(ahead if rng.random() < 0.6 else offered)
            )
            body = ActionIn.model_validate(
                {
                    "note": "已处理",
                    "result": "已处理完毕",
                    "reply_method": "phone",
                    "outcome": str(outcome or FollowUpOutcome.SATISFIED),
                    "crew": "抢修一班",
                    "department_id": department,
                }
            )
            what = f"{kind}/{subtype} {key}"
            moved = counted.run(
                what,
                lambda s, a=action, b=body, w=who: moves.act(
                    s, order_id, a, b, by=actors[w], settings=settings
                ),
            )
            assert moved.version == order.version + 1, what
            counted.same_transaction(
                what,
                "SELECT xmin::text FROM work_order WHERE id = :o UNION ALL"
                " (SELECT xmin::text FROM order_event WHERE order_id = :o ORDER BY id DESC LIMIT 1)",
                o=order_id,
            )
            done.add(key)

    rng = random.Random(12)
    rounds = 0
    while rounds < 8 and not wanted <= done:
        rounds += 1
        for kind, subtype in KINDS:
            walk(kind, subtype)
    assert wanted - done == set(), f"moves of the table not reached in {rounds} rounds"


def test_a_linked_call_intake_and_split_out_write_once(
    counted: Counted, org: Organisation, settings: Settings, frozen_clock: Any
) -> None:
    """A fault call inside an active outage is taken with one write (no deadlines), and split back
    out with one write (its deadlines from now)."""
    frozen_clock.set(START)
    with counted.factory() as session:
        load_network(session, org)
        outages.declare(
            session,
            by=system("test"),
            kind="fault",
            cause="台区变压器故障",
            starts_at=START - timedelta(minutes=10),
            expected_restoration_at=START + timedelta(hours=3),
            transformers=["TA-001"],
        )
        session.commit()
    counted.log.entries.clear()
    actors = {u: actor_of(org.staff[u]) for u in ("agent", "dispatcher")}
    data = _contact("fault_repair", None, org=org, customer={"account": "3400100001"})
    order = _take(counted, data, actors["agent"], settings).orders[0]
    assert order.outage_id is not None and order.due_at is None
    frozen_clock.advance(minutes=20)
    moved = counted.run(
        "split_out",
        lambda s: moves.act(
            s, order.id, Action.SPLIT_OUT, ActionIn(), by=actors["dispatcher"], settings=settings
        ),
    )
    assert moved.outage_id is None and moved.due_at is not None


def _complaint_in_hand(
    counted: Counted, org: Organisation, settings: Settings
) -> tuple[int, dict[str, Actor]]:
    actors = {u: actor_of(org.staff[u]) for u in ("agent", "dispatcher", "hall-baohe")}
    taken = _take(counted, _contact("complaint", None, org=org), actors["agent"], settings)
    order_id: int = taken.orders[0].id
    counted.run(
        "dispatch",
        lambda s: moves.act(
            s, order_id, "dispatch", ActionIn(), by=actors["dispatcher"], settings=settings
        ),
    )
    return order_id, actors


@pytest.mark.parametrize("way", ["sqlalchemy", "driver"])
def test_a_handler_that_writes_a_second_time_is_stopped_loudly(
    counted: Counted,
    org: Organisation,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    way: str,
) -> None:
    order_id, actors = _complaint_in_hand(counted, org, settings)
    press = moves._HANDLERS[Action.PRESS]

    def press_and_write_again(ctx: Any) -> Any:
        if way == "sqlalchemy":
            ctx.session.execute(
                update(WorkOrder).where(WorkOrder.id == ctx.order.id).values(title="被改过的标题")
            )
        else:
            driver_rows(
                ctx.session,
                "UPDATE work_order SET title = %(title)s WHERE id = %(id)s RETURNING id",
                {"title": "被改过的标题", "id": ctx.order.id},
            )
        return press(ctx)

    monkeypatch.setitem(moves._HANDLERS, Action.PRESS, press_and_write_again)
    if counted.backend != "postgresql":
        if way == "driver":
            pytest.skip("storage/driver.py's own cursor is PostgreSQL's")
        # SQLite: no autocommit, nothing to refuse — the extra write joins the transaction and
        # goes back with the move when it is rolled back.
        with counted.factory() as session:
            moves.act(
                session, order_id, "press", ActionIn(), by=actors["dispatcher"], settings=settings
            )
            session.rollback()
        counted.check.rollback()
        order = counted.check.get(WorkOrder, order_id)
        assert order is not None
        assert order.title == "测试工单"
        return
    with counted.factory() as session, pytest.raises(one_write.OneWriteViolated) as refused:
        moves.act(
            session, order_id, "press", ActionIn(), by=actors["dispatcher"], settings=settings
        )
    message = str(refused.value)
    assert message.startswith("act(press): a second write statement in a one-write session")
    assert "also_insert" in message
    # The move's own write never ran: no 催办 in the history. The handler's write, run first in
    # autocommit, stays — the half a use case the refusal is there to keep out of the code.
    counted.check.rollback()
    actions = counted.check.scalars(
        select(OrderEvent.action).where(OrderEvent.order_id == order_id)
    ).all()
    assert "press" not in actions
    order = counted.check.get(WorkOrder, order_id)
    assert order is not None
    assert order.title == "被改过的标题"


def _budget_row(key: str) -> dict[str, Any]:
    return {
        "scope": "order",
        "key": key,
        "failures": 1,
        "window_ends": clock.now() + timedelta(minutes=5),
        "locked_until": None,
    }


def _budget_keys(counted: Counted) -> list[str]:
    keys = list(counted.check.scalars(select(FailureBudget.key).order_by(FailureBudget.key)))
    counted.check.rollback()
    return keys


def test_a_row_queued_by_a_move_joins_its_one_write(
    counted: Counted, org: Organisation, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an outbox message would do: a handler queues a row (here a failure_budget row, a
    table nothing else in a move touches) and it is written by the move's one statement."""
    order_id, actors = _complaint_in_hand(counted, org, settings)
    press = moves._HANDLERS[Action.PRESS]

    def press_and_queue(ctx: Any) -> Any:
        one_write.also_insert(
            ctx.session, FailureBudget.__table__, _budget_row(f"press-{ctx.order.id}")
        )
        return press(ctx)

    monkeypatch.setitem(moves._HANDLERS, Action.PRESS, press_and_queue)
    counted.run(
        "press with a queued row",
        lambda s: moves.act(
            s, order_id, "press", ActionIn(), by=actors["dispatcher"], settings=settings
        ),
    )
    assert _budget_keys(counted) == [f"press-{order_id}"]
    counted.same_transaction(
        "press with a queued row",
        "SELECT xmin::text FROM work_order WHERE id = :o"
        " UNION ALL SELECT xmin::text FROM failure_budget WHERE key = :k",
        o=order_id,
        k=f"press-{order_id}",
    )


def test_a_queued_row_is_not_written_when_the_move_is_not(
    counted: Counted, org: Organisation, settings: Settings
) -> None:
    """The queued row hangs off the guarded write: a move decided on an older version writes
    neither."""
    order_id, actors = _complaint_in_hand(counted, org, settings)
    with make_session_factory(counted.check.get_bind())() as session:
        loaded = writes.load(session, order_id)
        assert loaded is not None
        stale = writes.change_of(
            loaded,
            event={
                "order_id": order_id,
                "action": "comment",
                "from_state": "dispatched",
                "to_state": "dispatched",
                "actor_id": actors["dispatcher"].id,
                "at": clock.now(),
                "note": "x",
                "data": None,
            },
            new_deadlines=[],
            follow_up=None,
        )
        moves.act(
            session, order_id, "press", ActionIn(), by=actors["dispatcher"], settings=settings
        )
        session.commit()
        with one_write.use_case(session, "stale"):
            one_write.also_insert(session, FailureBudget.__table__, _budget_row("stale"))
            assert writes.write(session, stale) is None
        session.commit()
    assert _budget_keys(counted) == []


def test_a_row_queued_during_intake_joins_its_one_write(
    counted: Counted,
    org: Organisation,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    frozen_clock: Any,
) -> None:
    frozen_clock.set(START)
    route = routing.route_matter

    def route_and_queue(session: Session, *args: Any, **kwargs: Any) -> Any:
        one_write.also_insert(session, FailureBudget.__table__, _budget_row("intake"))
        return route(session, *args, **kwargs)

    monkeypatch.setattr(routing, "route_matter", route_and_queue)
    result = _take(
        counted, _contact("complaint", None, org=org), actor_of(org.staff["agent"]), settings
    )
    assert _budget_keys(counted) == ["intake"]
    counted.same_transaction(
        "intake with a queued row",
        "SELECT xmin::text FROM contact WHERE id = :c"
        " UNION ALL SELECT xmin::text FROM failure_budget WHERE key = 'intake'",
        c=result.contact.id,
    )


def test_only_a_running_use_case_takes_queued_rows(session: Session) -> None:
    with pytest.raises(RuntimeError, match="needs a running use case"):
        one_write.also_insert(session, FailureBudget.__table__, _budget_row("nowhere"))
    with (
        one_write.use_case(session, "outer"),
        pytest.raises(RuntimeError, match="one use case at a time"),
        one_write.use_case(session, "inner"),
    ):
        pass


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("INSERT INTO contact (id) VALUES (1)", True),
        ("  update work_order SET title = 'x'", True),
        ("DELETE FROM failure_budget WHERE key = 'k'", True),
        ("COPY bill (id, account_id) FROM STDIN (FORMAT binary)", True),
        ("COPY (SELECT 1 FROM bill) TO STDOUT", False),
        (
            "WITH o AS (UPDATE work_order SET version = version + 1 RETURNING version) SELECT 1",
            True,
        ),
        ("WITH t0 AS (INSERT INTO contact (id) SELECT 1) SELECT 1", True),
        ("WITH v AS (SELECT id FROM deadline) UPDATE deadline SET met_at = now()", True),
        ("WITH v AS (SELECT id FROM deadline FOR UPDATE SKIP LOCKED) SELECT * FROM v", False),
        ("SELECT id FROM work_order WHERE id = 1 FOR NO KEY UPDATE", False),
        ("SELECT ARRAY(SELECT nextval(pg_get_serial_sequence('contact', 'id')))", False),
        ("SELECT updated_at FROM work_order", False),
    ],
)
def test_what_counts_as_a_write(statement: str, writes: bool) -> None:
    assert one_write.is_write(statement) is writes
