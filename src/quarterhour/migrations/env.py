"""Alembic environment: the URL comes from the caller's connection or QUARTERHOUR_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from quarterhour.config import Settings
from quarterhour.storage.engine import make_engine
from quarterhour.tables import metadata

config = context.config
target_metadata = metadata()

# Indexes only PostgreSQL has (trigram indexes for part of an address or of an order's text, the
# byte-wise index for the start of a name): the migrations create them there, the models cannot
# describe them for SQLite, so comparisons leave them out.
POSTGRESQL_ONLY_INDEXES = frozenset(
    {
        "ix_premises_address_trgm",
        "ix_customer_address_trgm",
        "ix_work_order_text_trgm",
        "ix_customer_name_prefix",
    }
)


def _include(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and name in POSTGRESQL_ONLY_INDEXES)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    settings = Settings.from_env(**({"database_url": url} if url else {}))
    engine = make_engine(settings)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
