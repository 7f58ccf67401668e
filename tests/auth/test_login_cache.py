"""The login check and the people a read names come from the process's LOGINS cache, which
every change to users or logins drops: at once in this process, on the notice in the others
(app/db/reference_cache.py). The suite listens on PostgreSQL (tests/conftest.py)."""

import asyncio
import uuid

import pytest
from sqlalchemy import text

from app.db.models import Role, User
from app.db.reference_cache import _CACHES, LOGINS
from tests.auth.helpers import ME_URL, bearer, login, me_status, password_grant
from tests.conftest import IS_POSTGRES, _settle_caches
from tests.http.test_query_counts import count_queries
from tests.service_orders.helpers import API, order_body
from tests.support import PASSWORD

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="notices are PostgreSQL's LISTEN/NOTIFY")


async def _until(condition) -> None:
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def _logins(engine):
    """The LOGINS cache once it listens (a test before may have cut its connection: it is
    back within a second)."""
    cache = _CACHES[engine.sync_engine][LOGINS]
    await _until(lambda: cache.live)
    return cache


def _reads_users(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM users" in s or "token_families" in s]


async def test_a_second_request_checks_the_login_without_a_query(client, users, engine):
    await _logins(engine)
    token = (await login(client, users["clerk"].email))["access_token"]
    await _settle_caches(engine)  # the login's own notice (last_login_at) has arrived
    assert await me_status(client, token) == 200
    with count_queries(engine, cold=False) as statements:
        assert await me_status(client, token) == 200
    assert _reads_users(statements) == []


async def test_disabling_a_user_here_refuses_their_next_request(client, factory, users):
    target = users["engineer"]
    token = (await login(client, target.email))["access_token"]
    assert await me_status(client, token) == 200  # cached now
    response = await client.patch(
        f"/api/v1/users/{target.id}",
        json={"active": False},
        headers=factory.headers(users["supervisor"], **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    assert await me_status(client, token) == 401


async def test_demoting_a_user_here_takes_effect_on_their_next_request(client, factory, users):
    target = await factory.user("supervisor")
    headers = factory.headers(target)
    assert (await client.get("/api/v1/users", headers=headers)).status_code == 200
    response = await client.patch(
        f"/api/v1/users/{target.id}",
        json={"role": "engineer"},
        headers=factory.headers(users["supervisor"], **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    me = await client.get(ME_URL, headers=headers)
    assert me.json()["role"] == "engineer"


async def test_logging_out_refuses_the_token_at_once(client, users):
    tokens = await login(client, users["clerk"].email)
    assert await me_status(client, tokens["access_token"]) == 200
    response = await client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    assert response.status_code == 204, response.text
    assert await me_status(client, tokens["access_token"]) == 401


async def test_a_change_made_elsewhere_reaches_the_cache(client, users, engine):
    logins = await _logins(engine)
    token = (await login(client, users["clerk"].email))["access_token"]
    assert await me_status(client, token) == 200
    generation = logins.generation
    # Another process (or psql) disables the user: no code of this process runs.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE users SET active = false WHERE id = :id"), {"id": users["clerk"].id}
        )
    await _until(lambda: logins.generation > generation)
    assert await me_status(client, token) == 401


async def test_a_renamed_engineer_is_named_anew_on_the_order(client, factory, users):
    clerk = factory.headers(users["clerk"])
    created = await client.post(API, json=order_body(users["customer"].customer_id), headers=clerk)
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    assert (await client.get(f"{API}/{order_id}", headers=clerk)).json()["owner"]["name"] == (
        users["clerk"].name
    )
    response = await client.patch(
        f"/api/v1/users/{users['clerk'].id}",
        json={"name": "Renamed Clerk"},
        headers=factory.headers(users["supervisor"], **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    order = (await client.get(f"{API}/{order_id}", headers=clerk)).json()
    assert order["owner"]["name"] == "Renamed Clerk"


async def test_the_caller_from_the_cache_changes_their_own_password(client, users, engine):
    """The cached caller is not in the request's session; changing one's password loads it."""
    await _logins(engine)
    email = users["clerk"].email
    token = (await login(client, email))["access_token"]
    await _settle_caches(engine)
    assert await me_status(client, token) == 200  # the login is cached now
    with count_queries(engine, cold=False) as statements:
        assert await me_status(client, token) == 200
    assert _reads_users(statements) == [], "the next request is served from the cache"
    response = await client.post(
        f"{ME_URL}/password",
        json={"current_password": PASSWORD, "new_password": "another-long-password-1"},
        headers=bearer(token),
    )
    assert response.status_code == 204, response.text
    await login(client, email, "another-long-password-1")
    assert (await password_grant(client, email)).status_code == 401  # the old one


async def test_a_supervisor_from_the_cache_edits_their_own_user(client, factory, users, engine):
    await _logins(engine)
    me = await factory.user("supervisor")
    headers = factory.headers(me)
    assert (await client.get(ME_URL, headers=headers)).status_code == 200  # cached now
    response = await client.patch(
        f"/api/v1/users/{me.id}",
        json={"name": "Renamed Self"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Renamed Self"
    assert (await client.get(ME_URL, headers=headers)).json()["name"] == "Renamed Self"


def test_changing_the_cached_caller_in_place_fails_loudly():
    """A write to the cached object would be lost (it is not in the session): it raises."""
    from app.auth.dependencies import _cached_user

    user = _cached_user({"id": uuid.uuid4(), "name": "Cached", "role": Role.clerk})
    with pytest.raises(RuntimeError, match="login cache"):
        user.name = "Changed"
    User(name="fresh").name = "a new object is unaffected"
