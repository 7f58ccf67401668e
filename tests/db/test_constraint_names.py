"""The database names every constraint the way the models do (app/db/models/naming.py), so a
later migration can drop or alter one by name on PostgreSQL and in SQLite's batch mode alike.
(Alembic's autogenerate compares indexes by name but foreign keys and primary keys only by
columns, so the migrations-vs-models test alone would not notice a wrongly named constraint.)"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import (
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    UniqueConstraint,
    insert,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.sql.schema import DEFAULT_NAMING_CONVENTION

from app.db.migrate import alembic_config
from app.db.models import metadata
from app.db.models.indexes import managed_by_models
from app.db.session import create_engine
from tests.conftest import DATABASE_URL, IS_POSTGRES, _admin_execute


def _expected() -> set[tuple[str, str, str, tuple[str, ...]]]:
    names = set()
    for table in metadata.sorted_tables:
        for c in table.constraints:
            kind = {
                PrimaryKeyConstraint: "pk",
                UniqueConstraint: "uq",
                ForeignKeyConstraint: "fk",
            }.get(type(c))
            if kind:
                names.add((table.name, kind, str(c.name), tuple(col.name for col in c.columns)))
        for index in table.indexes:
            cols = tuple(col.name for col in index.columns)
            names.add((table.name, "ix", str(index.name), cols))
    return names


def _reflected(connection: Any) -> set[tuple[str, str, str, tuple[str, ...]]]:
    inspector = inspect(connection)
    names = set()
    present = set(inspector.get_table_names())  # an old revision lacks the newer tables
    for table in (t for t in metadata.sorted_tables if t.name in present):
        pk = inspector.get_pk_constraint(table.name)
        names.add((table.name, "pk", str(pk["name"]), tuple(pk["constrained_columns"])))
        for uq in inspector.get_unique_constraints(table.name):
            names.add((table.name, "uq", str(uq["name"]), tuple(uq["column_names"])))
        for fk in inspector.get_foreign_keys(table.name):
            names.add((table.name, "fk", str(fk["name"]), tuple(fk["constrained_columns"])))
        for index in inspector.get_indexes(table.name):
            if index.get("duplicates_constraint"):
                continue  # PostgreSQL's index behind a unique constraint, named like it
            if not managed_by_models(index["name"], "index"):
                continue  # PostgreSQL-only trigram indexes, made by their migration alone
            names.add((table.name, "ix", str(index["name"]), tuple(index["column_names"])))
    return names


async def test_every_constraint_in_the_database_has_the_models_name(engine):
    async with engine.connect() as conn:
        reflected = await conn.run_sync(_reflected)
    expected = _expected()
    assert sorted(expected - reflected) == [], "named in the models, not so in the database"
    assert sorted(reflected - expected) == [], "in the database, not so named in the models"


# --- a database built before the convention ---------------------------------------------------

NAMING_REVISION = "9176f926a6ab"  # migrations/versions/…_name_constraints_by_the_convention_…


@pytest.fixture
async def scratch_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the suite's kind, apart from the suite's own."""
    if not IS_POSTGRES:
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    url = make_url(DATABASE_URL)
    name = f"{url.database}_names"
    await _admin_execute(DATABASE_URL, f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin_execute(DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _upgrade(url: str, revision: str) -> None:
    command.upgrade(alembic_config(url), revision)


async def test_the_migration_renames_a_database_built_before_the_convention(
    scratch_url: str, monkeypatch: pytest.MonkeyPatch
):
    before = ScriptDirectory.from_config(alembic_config()).get_revision(NAMING_REVISION)
    assert before is not None and isinstance(before.down_revision, str)
    with monkeypatch.context() as old_code:
        # What the migrations produced before app/db/models/naming.py existed.
        old_code.setattr(metadata, "naming_convention", DEFAULT_NAMING_CONVENTION)
        await asyncio.to_thread(_upgrade, scratch_url, before.down_revision)
    engine = create_engine(scratch_url)
    try:
        async with engine.connect() as conn:
            old = await conn.run_sync(_reflected)
        assert old != _expected(), "the scratch database should start misnamed"
        # Rows that refer to each other, which SQLite's table rebuilds must carry over intact.
        async with engine.begin() as conn:
            await _insert_linked_rows(conn)

        await asyncio.to_thread(_upgrade, scratch_url, "head")

        async with engine.connect() as conn:
            assert await conn.run_sync(_reflected) == _expected()
            users = (await conn.execute(text("SELECT email FROM users"))).scalars().all()
            devices = (await conn.execute(text("SELECT serial_number FROM devices"))).all()
        assert (list(users), len(devices)) == (["old@example.com"], 1)
    finally:
        await engine.dispose()


async def _insert_linked_rows(conn: Any) -> None:
    customer, now = uuid.uuid4(), datetime.now(UTC)
    common = {"created_at": now, "updated_at": now, "version": 1}
    tables = metadata.tables
    await conn.execute(
        insert(tables["customers"]).values(id=customer, code="C-OLD", name="Old", **common)
    )
    await conn.execute(
        insert(tables["users"]).values(
            id=uuid.uuid4(),
            email="old@example.com",
            name="Old",
            role="customer",
            customer_id=customer,
            active=True,
            service_account=False,
            **common,
        )
    )
    await conn.execute(
        insert(tables["devices"]).values(
            id=uuid.uuid4(), customer_id=customer, serial_number="SN-OLD", model="M", **common
        )
    )
