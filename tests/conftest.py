"""Test harness: one migrated database per run (SQLite file or PostgreSQL), emptied per test.

The backend is chosen by TEST_DATABASE_URL (default: a SQLite file in a temp dir). The schema is
built by the migrations, never by create_all. Tests commit for real: the app opens transactions
of its own (login-failure counters, idempotency claims) that a wrapping test transaction would
falsify, so each test starts from empty tables instead.
"""

import asyncio
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

os.environ["AFTERCARE_ENV"] = "test"
os.environ["PASSWORD_HASH_PROFILE"] = "fast"

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings, get_settings
from app.db.migrate import upgrade_to_head
from app.db.models import Role, User, metadata
from app.db.reference_cache import _CACHES, listen_for_changes
from app.db.session import create_engine, create_sessionmaker
from app.domain.service_orders.sla import seed_default_policies
from app.main import create_app
from tests.support import Factory, assert_documented

_TMP = Path(tempfile.mkdtemp(prefix="aftercare-test-"))


def _own_database_url() -> str:
    """SQLite in a temp dir, or a new uniquely named PostgreSQL database that only this run uses.

    TEST_DATABASE_URL names the server and a prefix: the run creates `<prefix>_<random>` and drops
    exactly that one at the end, never a database it did not create.
    """
    given = os.environ.get("TEST_DATABASE_URL")
    if not given:
        return f"sqlite+aiosqlite:///{_TMP / 'test.db'}"
    url = make_url(given)
    name = f"{url.database or 'aftercare_test'}_{secrets.token_hex(4)}"
    return url.set(database=name).render_as_string(hide_password=False)


DATABASE_URL = _own_database_url()
IS_POSTGRES = DATABASE_URL.startswith("postgresql")


async def _admin_execute(url: str, statement: str) -> None:
    admin = create_engine(
        make_url(url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    async with admin.connect() as conn:
        await conn.execute(text(statement))
    await admin.dispose()


def make_settings(**overrides: Any) -> Settings:
    values = {"sla_worker_in_process": False, **overrides}
    return Settings(
        AFTERCARE_ENV="test", database_url=DATABASE_URL, password_hash_profile="fast", **values
    )


@pytest.fixture(scope="session")
async def engine() -> AsyncIterator[AsyncEngine]:
    name = make_url(DATABASE_URL).database
    if IS_POSTGRES:
        await _admin_execute(DATABASE_URL, f'CREATE DATABASE "{name}"')
    await asyncio.to_thread(upgrade_to_head, DATABASE_URL)
    eng = create_engine(DATABASE_URL)
    yield eng
    await eng.dispose()
    if IS_POSTGRES:
        await _admin_execute(DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture(scope="session", autouse=True)
async def _live_caches(engine: AsyncEngine) -> AsyncIterator[None]:
    """On PostgreSQL the suite runs with the per-process caches listening, as the app does
    (app/db/reference_cache.py), so every test also checks the cached answers."""
    if not IS_POSTGRES:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(listen_for_changes(engine, stop))
    for _ in range(200):
        caches = _CACHES.get(engine.sync_engine)
        if caches and all(c.live for c in caches.values()):
            break
        await asyncio.sleep(0.025)
    else:
        raise RuntimeError("the caches did not start listening")
    yield
    stop.set()
    await task


async def _settle_caches(engine: AsyncEngine) -> None:
    """The suite empties tables past the ORM (like psql would), and the notices of that arrive
    a moment later. Wait for them, so that none lands in the middle of the next test: notices
    are delivered in commit order, so once a marker sent after them has arrived, they have."""
    caches = _CACHES.get(engine.sync_engine, {})
    if not caches:
        return
    marker = secrets.token_hex(8)
    async with engine.begin() as conn:
        for channel in caches:
            await conn.execute(text("SELECT pg_notify(:c, :m)"), {"c": channel, "m": marker})
    for _ in range(400):
        if all(c.last_notice == marker or not c.live for c in caches.values()):
            return
        await asyncio.sleep(0.005)
    raise RuntimeError("the caches' notices did not arrive")


@pytest.fixture(autouse=True)
async def _empty_tables(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[None]:
    yield
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(table.delete())
    # The migrations seed the default SLA policies; put them back for the next test.
    async with sessionmaker() as session:
        await seed_default_policies(session)
        await session.commit()
    await _settle_caches(engine)


def build_app(engine: AsyncEngine, **setting_overrides: Any) -> Any:
    app = create_app(make_settings(**setting_overrides))
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    return app


@pytest.fixture(scope="session")
def app(engine: AsyncEngine) -> Any:
    return build_app(engine)


async def _check_against_contract(response: httpx.Response) -> None:
    await response.aread()
    assert_documented(response)


def client_for(app: Any) -> httpx.AsyncClient:
    """A client whose every answer, in every test, must be one the OpenAPI document names."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        event_hooks={"response": [_check_against_contract]},
    )


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@pytest.fixture
def factory(sessionmaker: async_sessionmaker[AsyncSession], app: Any) -> Factory:
    return Factory(sessionmaker, app.state.settings)


@pytest.fixture
async def users(factory: Factory) -> dict[str, User]:
    """One user per role; the customer user belongs to its own company."""
    return {role.value: await factory.user(role) for role in Role}


@pytest.fixture
def survey_on_close(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """VISITS_SURVEY_ON_CLOSE on: closing a service or repair order plans an online survey
    (read through get_settings(), as the close handlers have no request)."""
    monkeypatch.setenv("VISITS_SURVEY_ON_CLOSE", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("VISITS_SURVEY_ON_CLOSE")
    get_settings.cache_clear()
