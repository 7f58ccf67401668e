"""Alembic environment: async engine, SQLite batch mode, metadata from app.db.models."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from app.config import get_settings
from app.db.models import metadata
from app.db.models.indexes import managed_by_models
from app.db.session import Timeouts, create_engine

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        include_name=lambda name, type_, _: managed_by_models(name, type_),
    )


def _run_sync(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch ALTER rebuilds a table (copy, drop, rename); with foreign keys enforced,
        # dropping a table that other rows refer to fails. SQLite ignores this PRAGMA inside a
        # transaction, so it is set before the migrations' transaction begins, and the whole
        # database is checked before that transaction commits.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migrations left rows with dangling foreign keys: {broken}")
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


# A migration may rebuild an index or backfill a table over millions of rows: it gets hours, not
# the seconds a request gets before its statement is cancelled (the app's default Timeouts).
MIGRATION_TIMEOUTS = Timeouts(statement=6 * 3600.0)


async def _run_async() -> None:
    engine = create_engine(_url(), MIGRATION_TIMEOUTS)
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
