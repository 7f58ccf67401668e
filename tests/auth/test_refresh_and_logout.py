"""POST /auth/refresh (rotation, reuse detection) and POST /auth/logout."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.db.models import RefreshToken
from app.db.types import utcnow
from tests.auth.helpers import bearer, client_from, login, me_status
from tests.support import assert_problem

REFRESH_URL = "/api/v1/auth/refresh"
LOGOUT_URL = "/api/v1/auth/logout"


async def refresh(client, token):
    return await client.post(REFRESH_URL, json={"refresh_token": token})


@pytest.fixture
async def thief(app):
    """Another client (address) than the owner's: its use of a spent token is never a retry."""
    async with client_from(app, "203.0.113.66") as c:
        yield c


async def test_refresh_returns_a_new_working_pair(client, users):
    first = await login(client, users["clerk"].email)
    response = await refresh(client, first["refresh_token"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] and second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert await me_status(client, second["access_token"]) == 200
    # rotating is not a logout: the earlier access token of the same login still works
    assert await me_status(client, first["access_token"]) == 200


async def test_a_refresh_token_works_only_once(client, thief, users):
    first = await login(client, users["clerk"].email)
    assert (await refresh(client, first["refresh_token"])).status_code == 200
    assert_problem(await refresh(thief, first["refresh_token"]), 401, "invalid_grant")


async def test_reuse_revokes_the_whole_family(client, users):
    first = await login(client, users["clerk"].email)
    second = (await refresh(client, first["refresh_token"])).json()
    third = (await refresh(client, second["refresh_token"])).json()

    # someone replays a token that was already rotated (from the owner's own address too: its
    # successor has been used since, so this cannot be a retry)
    assert_problem(await refresh(client, first["refresh_token"]), 401, "invalid_grant")

    # the newest refresh token and every access token of that login stop working
    assert_problem(await refresh(client, third["refresh_token"]), 401, "invalid_grant")
    for pair in (first, second, third):
        assert await me_status(client, pair["access_token"]) == 401


async def test_reuse_leaves_other_logins_alone(client, thief, users):
    stolen = await login(client, users["clerk"].email)
    other = await login(client, users["clerk"].email)
    await refresh(client, stolen["refresh_token"])
    reuse = await refresh(thief, stolen["refresh_token"])  # reuse → that family is revoked
    assert_problem(reuse, 401, "invalid_grant")
    assert await me_status(client, stolen["access_token"]) == 401
    assert await me_status(client, other["access_token"]) == 200
    assert (await refresh(client, other["refresh_token"])).status_code == 200


async def test_two_concurrent_uses_of_one_token_cannot_both_succeed(client, thief, users):
    tokens = await login(client, users["clerk"].email)
    answers = await asyncio.gather(
        *(refresh(who, tokens["refresh_token"]) for who in (client, thief))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 401], [a.text for a in answers]
    winner = next(a.json() for a in answers if a.status_code == 200)
    # a double use is a reuse: that login is over for everyone holding its tokens
    assert await me_status(client, winner["access_token"]) == 401
    assert_problem(await refresh(client, winner["refresh_token"]), 401)


@pytest.mark.parametrize("token", ["garbage", "x" * 200, "a b c"])
async def test_garbage_refresh_token_is_401(client, users, token):
    assert_problem(await refresh(client, token), 401, "invalid_grant")


async def test_expired_refresh_token_is_401(client, users, sessionmaker):
    tokens = await login(client, users["clerk"].email)
    async with sessionmaker() as session:
        await session.execute(
            update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    assert_problem(await refresh(client, tokens["refresh_token"]), 401, "invalid_grant")


async def test_disabled_user_cannot_refresh(client, factory, users):
    clerk = users["clerk"]
    tokens = await login(client, clerk.email)
    patch = await client.patch(
        f"/api/v1/users/{clerk.id}",
        json={"active": False},
        headers=factory.headers(users["supervisor"], **{"If-Match": '"1"'}),
    )
    assert patch.status_code == 200, patch.text
    assert_problem(await refresh(client, tokens["refresh_token"]), 401, "invalid_grant")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"refresh_token": ""},
        {"refresh_token": 5},
        {"refresh_token": "x" * 4097},
        {"refresh_token": "x\x00"},
        {"refresh_token": "x", "extra": 1},
    ],
)
async def test_bad_refresh_body_is_a_validation_problem(client, body):
    assert_problem(await client.post(REFRESH_URL, json=body), 422, "validation_error")


async def test_refresh_refuses_a_form_body(client, users):
    tokens = await login(client, users["clerk"].email)
    response = await client.post(REFRESH_URL, data={"refresh_token": tokens["refresh_token"]})
    assert_problem(response, 415, "unsupported_media_type")


async def test_refresh_refuses_malformed_json(client):
    response = await client.post(
        REFRESH_URL, content=b'{"refresh_token": ', headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)


async def test_logout_ends_that_login_at_once(client, users):
    tokens = await login(client, users["clerk"].email)
    response = await client.post(LOGOUT_URL, headers=bearer(tokens["access_token"]))
    assert response.status_code == 204, response.text
    assert await me_status(client, tokens["access_token"]) == 401
    assert_problem(await refresh(client, tokens["refresh_token"]), 401, "invalid_grant")


async def test_logout_ends_rotated_tokens_of_the_same_login(client, users):
    first = await login(client, users["clerk"].email)
    second = (await refresh(client, first["refresh_token"])).json()
    response = await client.post(LOGOUT_URL, headers=bearer(first["access_token"]))
    assert response.status_code == 204
    assert await me_status(client, second["access_token"]) == 401
    assert_problem(await refresh(client, second["refresh_token"]), 401)


async def test_logout_keeps_other_logins_of_the_same_user(client, users):
    phone = await login(client, users["engineer"].email)
    laptop = await login(client, users["engineer"].email)
    assert (await client.post(LOGOUT_URL, headers=bearer(phone["access_token"]))).status_code == 204
    assert await me_status(client, laptop["access_token"]) == 200
    assert (await refresh(client, laptop["refresh_token"])).status_code == 200


async def test_logout_with_a_refresh_token_also_ends_that_login(client, users):
    email = users["engineer"].email
    current = await login(client, email)
    forgotten = await login(client, email)
    response = await client.post(
        LOGOUT_URL,
        json={"refresh_token": forgotten["refresh_token"]},
        headers=bearer(current["access_token"]),
    )
    assert response.status_code == 204, response.text
    assert await me_status(client, forgotten["access_token"]) == 401
    assert await me_status(client, current["access_token"]) == 401


async def test_logout_cannot_end_another_users_login(client, users):
    victim = await login(client, users["clerk"].email)
    attacker = await login(client, users["engineer"].email)
    response = await client.post(
        LOGOUT_URL,
        json={"refresh_token": victim["refresh_token"]},
        headers=bearer(attacker["access_token"]),
    )
    assert response.status_code == 204
    assert await me_status(client, victim["access_token"]) == 200
    assert (await refresh(client, victim["refresh_token"])).status_code == 200


async def test_logout_needs_a_valid_access_token(client, users):
    assert_problem(await client.post(LOGOUT_URL), 401, "not_authenticated")
    tokens = await login(client, users["clerk"].email)
    await client.post(LOGOUT_URL, headers=bearer(tokens["access_token"]))
    assert_problem(await client.post(LOGOUT_URL, headers=bearer(tokens["access_token"])), 401)


async def test_logout_rejects_unknown_fields(client, users):
    tokens = await login(client, users["clerk"].email)
    response = await client.post(
        LOGOUT_URL, json={"everything": True}, headers=bearer(tokens["access_token"])
    )
    assert_problem(response, 422, "validation_error")
    assert await me_status(client, tokens["access_token"]) == 200
