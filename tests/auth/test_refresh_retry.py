"""A field app retries a refresh whose answer it never got: within the grace, the same client gets
the same new pair and stays logged in; anyone else, or a retry after the grace, is reuse."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.db.models import RefreshToken
from app.db.types import utcnow
from tests.auth.helpers import client_from, login, me_status
from tests.support import assert_problem

REFRESH_URL = "/api/v1/auth/refresh"
PHONE = "198.51.100.20"


async def refresh(client, token, **headers):
    return await client.post(REFRESH_URL, json={"refresh_token": token}, headers=headers)


@pytest.fixture
async def phone(app):
    async with client_from(app, PHONE, **{"User-Agent": "aftercare-field/2.1"}) as c:
        yield c


async def test_a_retry_within_the_grace_gets_the_same_pair(phone, users):
    tokens = await login(phone, users["engineer"].email)
    lost = await refresh(phone, tokens["refresh_token"])  # the answer never reaches the phone
    retry = await refresh(phone, tokens["refresh_token"])
    assert retry.status_code == 200, retry.text
    assert retry.headers["cache-control"] == "no-store"
    assert retry.json()["refresh_token"] == lost.json()["refresh_token"]
    assert 0 < retry.json()["refresh_expires_in"] <= lost.json()["refresh_expires_in"]
    assert await me_status(phone, retry.json()["access_token"]) == 200
    # The successor is an ordinary refresh token: it rotates once, and the chain goes on.
    onward = await refresh(phone, retry.json()["refresh_token"])
    assert onward.status_code == 200, onward.text
    assert await me_status(phone, onward.json()["access_token"]) == 200


async def test_the_same_idempotency_key_survives_a_change_of_network(app, users):
    async with client_from(app, PHONE) as wifi, client_from(app, "10.20.30.40") as cellular:
        tokens = await login(wifi, users["engineer"].email)
        lost = await refresh(wifi, tokens["refresh_token"], **{"Idempotency-Key": "r-1"})
        retry = await refresh(cellular, tokens["refresh_token"], **{"Idempotency-Key": "r-1"})
        assert retry.status_code == 200, retry.text
        assert retry.json()["refresh_token"] == lost.json()["refresh_token"]
        assert await me_status(cellular, retry.json()["access_token"]) == 200


async def test_another_key_is_another_client(phone, users):
    tokens = await login(phone, users["engineer"].email)
    await refresh(phone, tokens["refresh_token"], **{"Idempotency-Key": "r-1"})
    other = await refresh(phone, tokens["refresh_token"], **{"Idempotency-Key": "r-2"})
    assert_problem(other, 401, "invalid_grant")
    assert await me_status(phone, tokens["access_token"]) == 401


async def test_another_user_agent_at_the_same_address_is_reuse(app, phone, users):
    tokens = await login(phone, users["engineer"].email)
    new = await refresh(phone, tokens["refresh_token"])
    async with client_from(app, PHONE, **{"User-Agent": "curl/8.0"}) as intruder:
        assert_problem(await refresh(intruder, tokens["refresh_token"]), 401, "invalid_grant")
    assert await me_status(phone, new.json()["access_token"]) == 401
    assert_problem(await refresh(phone, new.json()["refresh_token"]), 401)


async def test_a_retry_after_the_grace_is_reuse(phone, users, sessionmaker):
    tokens = await login(phone, users["engineer"].email)
    new = (await refresh(phone, tokens["refresh_token"])).json()
    async with sessionmaker() as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.used_at.is_not(None))
            .values(used_at=utcnow() - timedelta(seconds=61))
        )
        await session.commit()
    assert_problem(await refresh(phone, tokens["refresh_token"]), 401, "invalid_grant")
    assert await me_status(phone, new["access_token"]) == 401
    assert_problem(await refresh(phone, new["refresh_token"]), 401, "invalid_grant")


async def test_concurrent_retries_of_one_client_share_one_successor(phone, users):
    tokens = await login(phone, users["engineer"].email)
    answers = await asyncio.gather(*(refresh(phone, tokens["refresh_token"]) for _ in range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert len({a.json()["refresh_token"] for a in answers}) == 1
    for answer in answers:
        assert await me_status(phone, answer.json()["access_token"]) == 200
    # one live chain: the shared successor rotates once, and a second use of it is reuse
    successor = answers[0].json()["refresh_token"]
    assert (await refresh(phone, successor)).status_code == 200
