"""The outage lookup for a caller at 1,000,000 premises (issue 14: p99 < 10 ms).

Fills `qh_outages` with the demo organisation, 1,000,000 customers, premises and accounts
(set-based SQL), 200 feeders, 10,000 transformer areas of 100 premises each, and outages through
the product's own use cases: 50 faults in effect (one transformer each), 20 by feeder (50
transformers each), 30 planned and announced for next week and 300 restored. Then asks
`outages.service.active_outage_for_account` (the use case the desk and the API call: one
statement) for accounts at random, half of them inside an outage, and reports p50/p99/max.

    .venv/bin/python -m bench.outage_lookup [--premises 1000000] [--lookups 5000]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bench.common import (
    PG_BASE,
    latency,
    log,
    machine_facts,
    recreate_database,
    uptime_line,
    write_result,
)
from quarterhour.access.actor import system
from quarterhour.config import Settings
from quarterhour.demo import organisation as demo_org
from quarterhour.kit import clock
from quarterhour.outages import service as outages
from quarterhour.storage.engine import make_engine, make_session_factory
from quarterhour.storage.migrate import upgrade
from quarterhour.tariffs import tariff_book

BENCH = system("bench")
PER_TRANSFORMER = 100
TRANSFORMERS_PER_FEEDER = 50

_FILL = """
INSERT INTO customer (id, name, phone, phone_last4, address, district_id, created_at)
SELECT g, '客户' || g, '139' || lpad(g::text, 8, '0'), right(lpad(g::text, 8, '0'), 4),
       '合肥市' || g || '号', (CAST(:districts AS integer[]))[1 + g % 4], now()
FROM generate_series(1, :n) g;
INSERT INTO premises (id, address, district_id, area_class, created_at)
SELECT g, '合肥市某路' || g || '号', (CAST(:districts AS integer[]))[1 + g % 4], 'urban', now()
FROM generate_series(1, :n) g;
INSERT INTO account (id, number, customer_id, premises_id, category, tariff_id, phone,
                     phone_last4, opened_on, created_at)
SELECT g, lpad(g::text, 10, '0'), g, g, 'residential', (SELECT id FROM tariff WHERE code = 'AH-RES'),
       '139' || lpad(g::text, 8, '0'), right(lpad(g::text, 8, '0'), 4), '2020-01-01', now()
FROM generate_series(1, :n) g;
INSERT INTO feeder (id, code, name, district_id)
SELECT f, 'F' || lpad(f::text, 4, '0'), '10kV线路' || f, (CAST(:districts AS integer[]))[1 + f % 4]
FROM generate_series(1, :feeders) f;
INSERT INTO transformer_area (id, code, name, feeder_id, latitude, longitude)
SELECT t, 'T' || lpad(t::text, 6, '0'), '台区' || t, 1 + (t - 1) / :per_feeder,
       31.80 + (t % 100) * 0.002, 117.20 + (t / 100) * 0.002
FROM generate_series(1, :transformers) t;
INSERT INTO premises_supply (premises_id, transformer_id)
SELECT g, 1 + (g - 1) / :per_transformer FROM generate_series(1, :n) g;
SELECT setval(pg_get_serial_sequence('customer', 'id'), :n);
SELECT setval(pg_get_serial_sequence('premises', 'id'), :n);
SELECT setval(pg_get_serial_sequence('account', 'id'), :n);
SELECT setval(pg_get_serial_sequence('feeder', 'id'), :feeders);
SELECT setval(pg_get_serial_sequence('transformer_area', 'id'), :transformers)
"""


@dataclass
class Network:
    """A filled database: its engine, the session factory and what the fill made."""

    engine: Engine
    factory: sessionmaker[Session]
    transformers: int
    feeders: int
    fill_s: float


def fill_network(url: str, n: int) -> Network:
    """The demo organisation, `n` customers, premises and accounts, and the network over them
    (100 premises a transformer, 50 transformers a feeder), by SQL; bench.outage_calls too."""
    transformers = n // PER_TRANSFORMER
    feeders = max(1, transformers // TRANSFORMERS_PER_FEEDER)
    engine = make_engine(Settings(database_url=url, run_background_sweep=False))
    upgrade(engine)
    factory = make_session_factory(engine)
    started = time.perf_counter()
    with factory() as session:
        org = demo_org.install(session)
        tariff_book.install_samples(session, by=BENCH)
        session.commit()
        params = {
            "n": n,
            "districts": list(org.districts.values()),
            "feeders": feeders,
            "transformers": transformers,
            "per_feeder": TRANSFORMERS_PER_FEEDER,
            "per_transformer": PER_TRANSFORMER,
        }
        for statement in _FILL.split(";\n"):
            session.execute(text(statement), params)
        session.commit()
    filled = time.perf_counter() - started
    log(f"filled {n:,} premises, {transformers:,} transformers, {feeders} feeders: {filled:.1f} s")
    return Network(engine, factory, transformers, feeders, round(filled, 1))


def fill(url: str, n: int) -> dict[str, Any]:
    network = fill_network(url, n)
    engine, factory, transformers, feeders = (
        network.engine,
        network.factory,
        network.transformers,
        network.feeders,
    )
    now = clock.now()
    rng = random.Random(14)
    picked = rng.sample(range(1, transformers + 1), 50 + 30 + 300)
    with factory() as session:
        for t in picked[:50]:  # faults in effect now
            outages.declare(
                session,
                by=BENCH,
                kind="fault",
                cause="台区变压器故障",
                starts_at=now - timedelta(minutes=rng.randint(5, 120)),
                expected_restoration_at=now + timedelta(hours=3),
                transformers=[f"T{t:06d}"],
            )
        for f in rng.sample(range(1, feeders + 1), 20):  # whole feeders out
            outages.declare(
                session,
                by=BENCH,
                kind="fault",
                cause="线路跳闸",
                starts_at=now - timedelta(minutes=30),
                expected_restoration_at=now + timedelta(hours=2),
                feeders=[f"F{f:04d}"],
            )
        for t in picked[50:80]:  # planned for next week, announced
            planned = outages.declare(
                session,
                by=BENCH,
                kind="planned",
                cause="线路检修",
                starts_at=now + timedelta(days=8),
                expected_restoration_at=now + timedelta(days=8, hours=6),
                transformers=[f"T{t:06d}"],
            )
            outages.publish_notice(session, planned.id, by=BENCH)
        for t in picked[80:]:  # over already
            done = outages.declare(
                session,
                by=BENCH,
                kind="fault",
                cause="树障",
                starts_at=now - timedelta(days=3),
                expected_restoration_at=now - timedelta(days=3) + timedelta(hours=2),
                transformers=[f"T{t:06d}"],
            )
            outages.restore(session, done.id, by=BENCH, at=now - timedelta(days=3, hours=-1))
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
        inside = [
            number
            for (number,) in session.execute(
                text(
                    "SELECT a.number FROM account a"
                    " JOIN premises_supply s ON s.premises_id = a.premises_id"
                    " JOIN outage_transformer w ON w.transformer_id = s.transformer_id"
                    " JOIN outage o ON o.id = w.outage_id WHERE o.state = 'active'"
                    " ORDER BY random() LIMIT 5000"
                )
            )
        ]
    engine.dispose()
    return {
        "fill_s": network.fill_s,
        "transformers": transformers,
        "feeders": feeders,
        "inside": inside,
    }


def measure(url: str, n: int, lookups: int, inside: list[str]) -> dict[str, Any]:
    engine = make_engine(Settings(database_url=url, run_background_sweep=False))
    factory = make_session_factory(engine)
    rng = random.Random(7)
    numbers = [
        rng.choice(inside) if i % 2 and inside else f"{rng.randint(1, n):010d}"
        for i in range(lookups)
    ]
    samples: list[float] = []
    found = 0
    with factory() as session:
        for number in numbers[:200]:  # warm the caches
            outages.active_outage_for_account(session, number, by=BENCH)
        for number in numbers:
            started = time.perf_counter()
            supply = outages.active_outage_for_account(session, number, by=BENCH)
            samples.append(time.perf_counter() - started)
            found += supply.outage is not None
            session.rollback()  # a fresh snapshot per lookup, as a request has
    engine.dispose()
    return {"lookups": lookups, "in_an_outage": found, **latency(samples)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_outages")
    parser.add_argument("--premises", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=5_000)
    parser.add_argument("--force-drop", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {
        "benchmark": "outage_lookup",
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "uptime_before": uptime_line(),
        "facts": machine_facts(),
    }
    recreate_database(args.database_url, force=args.force_drop)
    filled = fill(args.database_url, args.premises)
    inside = filled.pop("inside")
    result["fill"] = filled
    result["lookup"] = measure(args.database_url, args.premises, args.lookups, inside)
    result["uptime_after"] = uptime_line()
    path = write_result("outage-lookup", result, args.out)
    lookup = result["lookup"]
    log(
        f"lookup by account: p50 {lookup['p50_ms']} ms, p99 {lookup['p99_ms']} ms, "
        f"max {lookup['max_ms']} ms ({lookup['in_an_outage']} of {lookup['lookups']} inside)"
    )
    log(f"result: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
