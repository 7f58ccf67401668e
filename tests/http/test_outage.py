"""Database outages answer 503 problem+json with Retry-After, quickly (SPEC §3 "Outages");
a bug that happens to come from the driver stays a 500 (or its own 4xx)."""

import asyncio
import time

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from app.db.session import create_engine
from tests.conftest import DATABASE_URL, build_app, client_for
from tests.http.simulated_outage import SimulatedOutage
from tests.support import assert_problem


class DriverError(Exception):
    """Stands in for the driver's exception: SQLAlchemy keeps it as `.orig`."""

    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(f"driver error {sqlstate}")
        self.sqlstate = sqlstate


def _dbapi(cls=sa_exc.DBAPIError, sqlstate=None, invalidated=False):
    return cls("SELECT 1", None, DriverError(sqlstate), connection_invalidated=invalidated)


OUTAGES = {
    "connection refused": ConnectionRefusedError(111, "Connect call failed"),
    "connect timeout": TimeoutError(),
    "connection reset": ConnectionResetError(),
    "pool timeout": sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
    "admin shutdown 57P01": _dbapi(sqlstate="57P01"),
    "crash shutdown 57P02": _dbapi(sqlstate="57P02"),
    "starting up 57P03": _dbapi(sqlstate="57P03"),
    "connection does not exist 08003": _dbapi(sqlstate="08003"),
    "connection failure 08006": _dbapi(sqlstate="08006"),
    "too many connections 53300": _dbapi(sqlstate="53300"),
    "statement timeout 57014": _dbapi(sqlstate="57014"),
    "connection invalidated": _dbapi(invalidated=True),
    "sqlite database is locked": _dbapi(sa_exc.OperationalError),
}

BUGS = {
    "unique violation 23505": (_dbapi(sa_exc.IntegrityError, "23505"), 409),
    "invalid text 22P02": (_dbapi(sa_exc.DataError, "22P02"), 500),
    "undefined table 42P01": (_dbapi(sa_exc.ProgrammingError, "42P01"), 500),
    "syntax error in an OperationalError 42601": (_dbapi(sa_exc.OperationalError, "42601"), 500),
    "interface error without sqlstate": (_dbapi(sa_exc.InterfaceError), 500),
}


def _app_raising(engine, error: BaseException):
    app = build_app(engine)

    @app.get("/api/v1/raise")
    async def raise_it() -> None:
        raise error

    return app


@pytest.mark.parametrize("error", OUTAGES.values(), ids=OUTAGES.keys())
async def test_every_kind_of_outage_is_503_with_retry_after(engine, error):
    async with client_for(_app_raising(engine, error)) as client:
        response = await client.get("/api/v1/raise")
    assert_problem(response, 503, "unavailable")
    assert int(response.headers["retry-after"]) > 0


@pytest.mark.parametrize(("error", "status"), BUGS.values(), ids=BUGS.keys())
async def test_a_driver_error_that_is_a_bug_is_not_503(engine, error, status):
    async with client_for(_app_raising(engine, error)) as client:
        response = await client.get("/api/v1/raise")
    assert_problem(response, status)


async def test_outage_in_a_request_is_503(engine, factory, users):
    headers = factory.headers(users["clerk"])
    app = build_app(engine)
    with SimulatedOutage(engine) as outage:
        outage.down = True
        async with client_for(app) as client:
            response = await client.get("/api/v1/customers", headers=headers)
    assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"]


async def test_exhausted_pool_answers_503_within_its_timeout(factory, users):
    from app.db.session import Timeouts

    small = create_engine(DATABASE_URL, Timeouts(pool=0.5), pool_size=1, max_overflow=0)
    app = build_app(small)
    try:
        async with small.connect() as held, client_for(app) as client:
            await held.execute(text("SELECT 1"))
            started = time.perf_counter()
            headers = factory.headers(users["clerk"])
            response = await client.get("/api/v1/customers", headers=headers)
            elapsed = time.perf_counter() - started
    finally:
        await small.dispose()
    assert_problem(response, 503, "unavailable")
    assert elapsed < 2


def test_default_pool_timeout_is_a_few_seconds():
    from app.db.session import Timeouts
    from tests.conftest import make_settings

    assert Timeouts.of(make_settings()).pool <= 5


async def test_readyz_answers_quickly_while_the_pool_is_exhausted():
    # A long pool timeout: if the probe queued for a pooled connection, it would wait it out.
    small = create_engine(DATABASE_URL, pool_size=1, max_overflow=0, pool_timeout=10)
    app = build_app(small)
    try:
        async with small.connect() as held, client_for(app) as client:
            await held.execute(text("SELECT 1"))
            started = time.perf_counter()
            response = await asyncio.wait_for(client.get("/readyz"), timeout=5)
            elapsed = time.perf_counter() - started
    finally:
        await small.dispose()
    assert elapsed < 2
    assert response.status_code == 200, response.text


async def test_readyz_is_503_while_the_database_is_down(engine):
    app = build_app(engine)
    async with client_for(app) as client:
        await client.get("/readyz")  # the probe engine exists now; break it like the pool
        with SimulatedOutage(app.state.probe_engine) as outage:
            outage.down = True
            response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response.headers["retry-after"]


@pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"), reason="PostgreSQL statement_timeout"
)
async def test_a_statement_over_the_timeout_is_cut_short_and_answered_503(factory, users):
    from app.db.session import Timeouts

    limited = create_engine(DATABASE_URL, Timeouts(statement=0.5))
    app = build_app(limited)

    @app.get("/api/v1/slow-query")
    async def slow_query() -> None:
        async with limited.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(5)"))

    try:
        async with limited.connect() as conn:
            assert (await conn.execute(text("SHOW statement_timeout"))).scalar() == "500ms"
        async with client_for(app) as client:
            started = time.perf_counter()
            response = await client.get("/api/v1/slow-query")
            elapsed = time.perf_counter() - started
    finally:
        await limited.dispose()
    assert_problem(response, 503, "unavailable")
    assert elapsed < 2
