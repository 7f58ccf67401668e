"""Idempotency-Key on POST: replay, conflicts, per-user scope (SPEC §3)."""

import asyncio

from sqlalchemy import func, select

from app.db.models import Customer
from tests.support import assert_problem


async def _count_customers(sessionmaker, code: str) -> int:
    async with sessionmaker() as session:
        stmt = select(func.count()).select_from(Customer).where(Customer.code == code)
        return await session.scalar(stmt)


async def test_same_key_and_body_replays_first_response(client, factory, users, sessionmaker):
    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "create-acme-1"})
    body = {"code": "ACME", "name": "Acme"}
    first = await client.post("/api/v1/customers", json=body, headers=headers)
    second = await client.post("/api/v1/customers", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert second.headers["etag"] == first.headers["etag"]
    assert await _count_customers(sessionmaker, "ACME") == 1


async def test_same_key_other_body_is_422(client, factory, users, sessionmaker):
    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "k-1"})
    await client.post("/api/v1/customers", json={"code": "A", "name": "A"}, headers=headers)
    other = await client.post("/api/v1/customers", json={"code": "B", "name": "B"}, headers=headers)
    assert_problem(other, 422, "idempotency_key_reused")
    assert await _count_customers(sessionmaker, "A") == 1
    assert await _count_customers(sessionmaker, "B") == 0


async def test_same_key_on_another_path_is_422(client, factory, users):
    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "k-2"})
    await client.post("/api/v1/customers", json={"code": "A", "name": "A"}, headers=headers)
    other = await client.post("/api/v1/vendors", json={"code": "A", "name": "A"}, headers=headers)
    assert_problem(other, 422, "idempotency_key_reused")


async def test_keys_are_scoped_per_user(client, factory, users, sessionmaker):
    body = {"code": "ACME", "name": "Acme"}
    clerk = factory.headers(users["clerk"], **{"Idempotency-Key": "shared"})
    supervisor = factory.headers(users["supervisor"], **{"Idempotency-Key": "shared"})
    assert (await client.post("/api/v1/customers", json=body, headers=clerk)).status_code == 201
    again = await client.post("/api/v1/customers", json=body, headers=supervisor)
    # Not a replay of the clerk's response: the supervisor's request really ran (code taken).
    assert_problem(again, 409, "conflict")


async def test_error_response_releases_the_key(client, factory, users, sessionmaker):
    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "retry-me"})
    bad = await client.post("/api/v1/customers", json={"code": "A"}, headers=headers)
    assert_problem(bad, 422)
    good = await client.post("/api/v1/customers", json={"code": "A", "name": "A"}, headers=headers)
    assert good.status_code == 201
    assert await _count_customers(sessionmaker, "A") == 1


async def test_concurrent_retry_while_first_in_flight_is_409(engine, factory, users):
    from tests.conftest import build_app, client_for

    app = build_app(engine)
    gate = asyncio.Event()
    release = asyncio.Event()

    @app.post("/api/v1/slow")
    async def slow() -> dict[str, bool]:
        gate.set()
        await release.wait()
        return {"ok": True}

    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "slow-1"})
    async with client_for(app) as client:
        first = asyncio.create_task(client.post("/api/v1/slow", headers=headers))
        await gate.wait()
        second = await client.post("/api/v1/slow", headers=headers)
        release.set()
        first_response = await first
    assert_problem(second, 409, "idempotency_in_flight")
    assert first_response.status_code == 200


async def test_invalid_key_is_400(client, factory, users):
    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "x" * 300})
    response = await client.post(
        "/api/v1/customers", json={"code": "A", "name": "A"}, headers=headers
    )
    assert_problem(response, 400, "invalid_idempotency_key")


async def test_key_is_ignored_without_authentication(client):
    response = await client.post(
        "/api/v1/customers", json={"code": "A", "name": "A"}, headers={"Idempotency-Key": "a"}
    )
    assert_problem(response, 401, "not_authenticated")


async def test_no_replay_after_logout_or_deactivation(client, factory, users):
    from tests.support import PASSWORD

    supervisor = users["supervisor"]
    login = await client.post(
        "/api/v1/auth/token", data={"username": supervisor.email, "password": PASSWORD}
    )
    token = login.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "vendor-1"}
    first = await client.post("/api/v1/vendors", json={"name": "V"}, headers=headers)
    assert first.status_code == 201
    await client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    again = await client.post("/api/v1/vendors", json={"name": "V"}, headers=headers)
    assert_problem(again, 401, "not_authenticated")
    assert "idempotent-replayed" not in again.headers


async def test_secrets_shown_once_are_never_stored_for_replay(client, factory, users, sessionmaker):
    from app.db.models import IdempotencyRecord

    headers = factory.headers(users["supervisor"], **{"Idempotency-Key": "sa-1"})
    body = {"email": "erp@test.local", "name": "ERP", "role": "clerk", "service_account": True}
    first = await client.post("/api/v1/users", json=body, headers=headers)
    assert first.status_code == 201 and first.json()["client_secret"]
    async with sessionmaker() as session:
        stored = (await session.scalars(select(IdempotencyRecord))).all()
    assert stored == []
    retry = await client.post("/api/v1/users", json=body, headers=headers)
    assert_problem(retry, 409, "conflict")
    assert first.json()["client_secret"] not in retry.text
