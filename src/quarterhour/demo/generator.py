"""Deterministic demo data: months of Hefei customer service, played through the real services.

The same seed and the same "now" give the same database, row for row; only the anchor moves with
the date the demo is made on (the last `days` days up to now).
"""

from __future__ import annotations

import time as timer
from datetime import datetime

from sqlalchemy import select

from quarterhour.config import Settings
from quarterhour.demo import crews, deliveries, network, register
from quarterhour.demo.simulation import Report, Simulation, count
from quarterhour.kit import clock
from quarterhour.organisation.models import Staff
from quarterhour.storage.engine import make_engine, make_session_factory, unit_of_work
from quarterhour.workorders.lifecycle import State

DEFAULT_SEED = 19960715  # the programme's first broadcast


def generate(
    settings: Settings,
    *,
    days: int = 120,
    now: datetime | None = None,
    seed: int = DEFAULT_SEED,
    password_cost: tuple[int, int] | None = None,
) -> str:
    """Fill an empty database; returns a one-paragraph summary. A database with staff is left alone."""
    engine = make_engine(settings)
    try:
        factory = make_session_factory(engine)
        with factory() as session:
            if session.scalar(select(Staff.id).limit(1)) is not None:
                return "The database already has staff: no demo data generated."
        started = timer.perf_counter()
        report = Simulation(
            factory,
            settings,
            anchor=now or clock.now(),
            days=days,
            seed=seed,
            password_cost=password_cost,
        ).run()
        with unit_of_work(factory) as session:
            filled = register.fill(
                session, settings, first_day=report.first_day, anchor=report.anchor, seed=seed
            )
            filled["crews"] = crews.install(
                session, first_day=report.first_day, anchor=report.anchor
            )
            filled |= network.install(
                session, settings, first_day=report.first_day, anchor=report.anchor, seed=seed
            )
            filled["crew_jobs"] = crews.send_to_the_active_fault(session, anchor=report.anchor)
            count(session, report)  # the outages' calls came in after the simulation's count
            filled["messages_delivered"], filled["messages_failed"] = deliveries.deliver_history(
                session, anchor=report.anchor
            )
        return summary(report, filled, timer.perf_counter() - started)
    finally:
        engine.dispose()


def summary(report: Report, records: dict[str, int], seconds: float) -> str:
    states = ", ".join(
        f"{state} {report.states[state]}" for state in State if report.states.get(state)
    )
    stories = "not placed (history too short)"
    if report.story_days is not None:
        stories = (
            f"shared meter on {report.story_days.shared_meter:%Y-%m-%d}, "
            f"missing phase on {report.story_days.missing_phase:%Y-%m-%d}"
        )
    return (
        f"Demo history {report.first_day:%Y-%m-%d} to {report.anchor:%Y-%m-%d %H:%M} generated in "
        f"{seconds:.1f} s: {report.contacts} contacts, {report.orders} work orders ({states}), "
        f"{report.episodes} programme episodes; {records['accounts']} accounts with "
        f"{records['readings']} meter readings, billed monthly, {records['payments']} payments; "
        f"the deadline sweep warned {report.warned} and "
        f"escalated {report.escalated} deadlines; a supply network of {records['feeders']} feeders "
        f"and {records['transformers']} transformer areas, {records['outages']} outages (one "
        f"active, one planned for the week after); {records['messages_delivered']} messages to "
        f"customers delivered and {records['messages_failed']} refused by the operator, as a "
        f"gateway would have. The two stories (a building's shared meter, "
        f"a missing phase): {stories}."
    )
