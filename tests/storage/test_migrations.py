"""The migrations build exactly the schema the models describe, and step down and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect

from quarterhour.storage.migrate import alembic_config, downgrade, upgrade
from quarterhour.tables import metadata


def test_models_and_migrations_agree(engine: Engine) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)  # raises if autogenerate would write anything


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(metadata().tables) <= set(inspect(engine).get_table_names())
