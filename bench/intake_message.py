"""What the 受理通知 costs intake by itself: intakes in one process on PostgreSQL, with the
message and with `customer_messages.contact_accepted` replaced by a no-op, in alternating rounds.

    .venv/bin/python -m bench.intake_message                 # 3 rounds of 300 intakes each way
    .venv/bin/python -m bench.intake_message --intakes 1000 --rounds 5

No HTTP server and no other connection: the CPU and wall time per intake of the use case itself
(`take_contact_committed`, a complaint of a new caller in 包河区, committed), so that the
difference is the message's own cost, not the contention the closed loop's benchmark adds.
The database (`qh_intake_message`) is recreated, migrated and given the demo organisation first.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.common import PG_BASE, log, machine_facts, recreate_database, write_result
from quarterhour.access import permissions
from quarterhour.config import Settings
from quarterhour.demo import organisation as demo_org
from quarterhour.entrypoints.shared.intake import take_contact_committed
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import (
    make_engine,
    make_one_write_session_factory,
    make_session_factory,
)
from quarterhour.storage.migrate import upgrade
from quarterhour.workorders import customer_messages
from quarterhour.workorders.schemas import ContactIn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_intake_message")
    parser.add_argument("--intakes", type=int, default=300, help="intakes per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--force-drop", action="store_true")
    args = parser.parse_args()
    log(f"preparing {args.database_url}")
    recreate_database(args.database_url, force=args.force_drop)
    settings = Settings(database_url=args.database_url)
    engine = make_engine(settings)
    upgrade(engine)
    with make_session_factory(engine)() as session:
        org = demo_org.install(session, password_cost=demo_org.FAST_HASH)
        session.commit()
        agent = actor_of(org.staff["agent"])
        district = org.districts["baohe"]
    factory = make_one_write_session_factory(engine)
    serial = iter(range(10**7))

    def run(n: int) -> tuple[float, float]:
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            data = ContactIn.model_validate(
                {
                    "channel": "hotline",
                    "customer": {
                        "name": "王女士",
                        "phone": f"139{next(serial):08d}",
                        "address": "芜湖路174号",
                        "district_id": district,
                    },
                    "matters": [
                        {"order_type": "complaint", "title": "抄表员态度", "description": "态度差"}
                    ],
                }
            )
            with factory() as session, permissions.use_case_scope():
                take_contact_committed(
                    session, data, by=agent, settings=settings, idempotency_key=None
                )
        return (
            (time.process_time() - cpu) / n * 1000,
            (time.perf_counter() - wall) / n * 1000,
        )

    told = customer_messages.contact_accepted

    def silent(*_: Any, **__: Any) -> None:
        return None

    run(max(50, args.intakes // 3))  # warm-up: caches, prepared statements
    rounds: list[dict[str, float]] = []
    try:
        for _ in range(args.rounds):
            customer_messages.contact_accepted = told
            cpu_with, wall_with = run(args.intakes)
            customer_messages.contact_accepted = silent  # type: ignore[assignment]
            cpu_without, wall_without = run(args.intakes)
            rounds.append(
                {
                    "cpu_ms_with": round(cpu_with, 3),
                    "wall_ms_with": round(wall_with, 3),
                    "cpu_ms_without": round(cpu_without, 3),
                    "wall_ms_without": round(wall_without, 3),
                }
            )
            log(
                f"with the message: CPU {cpu_with:.2f} ms, wall {wall_with:.2f} ms per intake;"
                f" without: CPU {cpu_without:.2f} ms, wall {wall_without:.2f} ms"
            )
    finally:
        customer_messages.contact_accepted = told
        engine.dispose()
    path = write_result(
        "intake-message",
        {
            "benchmark": "intake_message",
            "args": vars(args),
            "facts": machine_facts(args.database_url),
            "rounds": rounds,
        },
    )
    log(f"result: {path}")


if __name__ == "__main__":
    main()
