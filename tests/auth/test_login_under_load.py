"""Logins under concurrency: the throttle cannot be raced, and a flood of anonymous wrong
passwords never makes an authenticated request wait for a database connection."""

import asyncio
import time

import pytest

from app.db.session import create_engine
from app.domain.auth import service
from tests.auth.helpers import ME_URL, password_grant
from tests.conftest import DATABASE_URL, build_app, client_for
from tests.support import PASSWORD, assert_problem

SLOW_CHECK_SECONDS = 0.5
# The flood test measures a wait: a longer check keeps "waited for a connection" (old: at least
# the rest of one check) far from "did not" (new: milliseconds), even on a loaded machine.
FLOOD_CHECK_SECONDS = 1.5


@pytest.fixture
def slow_password_checks(request, monkeypatch):
    """Count the password checks that actually run, and make each one take a while, so that
    concurrent logins overlap the way they do with real argon2 under load."""
    calls = []
    real = service.verify_password
    seconds = getattr(request, "param", SLOW_CHECK_SECONDS)

    async def counted(password, password_hash):
        calls.append(password)
        await asyncio.sleep(seconds)
        return await real(password, password_hash)

    monkeypatch.setattr(service, "verify_password", counted)
    return calls


async def test_parallel_guesses_cannot_race_past_the_throttle(engine, users, slow_password_checks):
    """Twelve guesses at once against a limit of five, sent to two API instances with pools of
    their own (as two processes would be): at most five reach the password check."""
    limits = {
        "login_max_failures_per_account": 5,
        "login_max_failures_per_account_address": 5,
        "login_max_failures_per_address": 50,
        "login_queue_seconds": 10,
    }
    other_engine = create_engine(DATABASE_URL)
    email = users["clerk"].email
    try:
        async with (
            client_for(build_app(engine, **limits)) as first,
            client_for(build_app(other_engine, **limits)) as second,
        ):
            answers = await asyncio.gather(
                *(password_grant((first, second)[n % 2], email, f"guess-{n}") for n in range(12))
            )
    finally:
        await other_engine.dispose()
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {401, 429}, [a.text for a in answers]
    assert len(slow_password_checks) <= 5, statuses
    assert statuses.count(401) == len(slow_password_checks)


@pytest.mark.parametrize("slow_password_checks", [FLOOD_CHECK_SECONDS], indirect=True)
async def test_wrong_password_flood_does_not_starve_authenticated_requests(
    users, factory, slow_password_checks
):
    """Sixteen anonymous wrong-password logins at once, on an app with a two-connection pool:
    a logged-in user's request still gets a connection at once."""
    small = create_engine(DATABASE_URL, pool_size=2, max_overflow=0, pool_timeout=5)
    app = build_app(small, login_max_failures_per_address=100)
    headers = factory.headers(users["engineer"])
    try:
        async with client_for(app) as client:
            flood = [
                asyncio.create_task(password_grant(client, users["clerk"].email, f"nope-{n}"))
                for n in range(16)
            ]
            await asyncio.sleep(FLOOD_CHECK_SECONDS / 5)  # the flood is in its password checks
            started = time.perf_counter()
            me = await client.get(ME_URL, headers=headers)
            waited = time.perf_counter() - started
            answers = await asyncio.gather(*flood)
    finally:
        await small.dispose()
    assert me.status_code == 200, me.text
    assert waited < FLOOD_CHECK_SECONDS / 2, f"an authenticated GET waited {waited:.2f}s"
    # Every login got a clear answer: wrong password, throttled, or "busy, retry" — never a 500.
    assert {a.status_code for a in answers} <= {401, 429, 503}, [a.text for a in answers]
    for answer in answers:
        if answer.status_code in (429, 503):
            assert int(answer.headers["retry-after"]) >= 1


async def test_logins_beyond_the_slots_are_told_to_retry_at_once(
    engine, users, slow_password_checks
):
    app = build_app(engine, login_max_concurrent=1, login_queue_seconds=0)
    async with client_for(app) as client:
        first = asyncio.create_task(password_grant(client, users["clerk"].email, "wrong"))
        await asyncio.sleep(SLOW_CHECK_SECONDS / 3)  # the first login holds the only slot
        started = time.perf_counter()
        busy = await password_grant(client, users["engineer"].email)
        waited = time.perf_counter() - started
        assert (await first).status_code == 401
        later = await password_grant(client, users["engineer"].email)
    body = assert_problem(busy, 503, "unavailable")
    assert int(busy.headers["retry-after"]) >= 1
    assert "retry" in body["detail"]
    assert waited < SLOW_CHECK_SECONDS  # answered before the first login's check even ended
    assert len(slow_password_checks) == 2  # the refused login never reached a password check
    assert later.status_code == 200, later.text


@pytest.mark.parametrize("password", ["wrong-password", PASSWORD])
async def test_no_connection_is_held_while_the_password_is_checked(monkeypatch, users, password):
    own = create_engine(DATABASE_URL)
    held = []
    real = service.verify_password

    async def watched(secret, password_hash):
        held.append(own.pool.checkedout())
        return await real(secret, password_hash)

    monkeypatch.setattr(service, "verify_password", watched)
    try:
        async with client_for(build_app(own)) as client:
            response = await password_grant(client, users["clerk"].email, password)
    finally:
        await own.dispose()
    assert response.status_code == (200 if password == PASSWORD else 401), response.text
    assert held == [0]
