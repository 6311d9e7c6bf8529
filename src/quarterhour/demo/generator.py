"""Deterministic demo data (placeholder: organisation only until the generator lands)."""

from __future__ import annotations

from quarterhour.config import Settings
from quarterhour.demo import organisation
from quarterhour.storage.engine import make_engine, make_session_factory, unit_of_work


def generate(settings: Settings, *, days: int = 120) -> str:
    engine = make_engine(settings)
    with unit_of_work(make_session_factory(engine)) as session:
        organisation.install(session)
    engine.dispose()
    return "demo organisation installed"
