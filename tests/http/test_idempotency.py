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


async def _count_vendors(sessionmaker, name: str) -> int:
    from app.db.models import Vendor

    async with sessionmaker() as session:
        stmt = select(func.count()).select_from(Vendor).where(Vendor.name == name)
        return await session.scalar(stmt)


async def test_retry_after_an_outage_mid_request_runs_exactly_once(
    engine, factory, users, sessionmaker
):
    from tests.http.simulated_outage import SimulatedOutage

    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "outage-mid-request"})
    body = {"code": "MID", "name": "Mid"}
    async with client_for_engine(engine) as client:
        with SimulatedOutage(engine) as outage:
            outage.after("INSERT INTO customers")  # the write ran; its commit will not
            failed = await client.post("/api/v1/customers", json=body, headers=headers)
            outage.recover()
        assert_problem(failed, 503, "unavailable")
        assert failed.headers["retry-after"]
        # The failed request must not block its key: the retry runs (once) at once.
        retry = await client.post("/api/v1/customers", json=body, headers=headers)
        assert retry.status_code == 201, retry.text
        replay = await client.post("/api/v1/customers", json=body, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == retry.json()["id"]
    assert await _count_customers(sessionmaker, "MID") == 1


async def test_retry_after_an_outage_right_after_the_commit_replays(
    engine, factory, users, sessionmaker
):
    from tests.http.simulated_outage import SimulatedOutage

    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "outage-after-commit"})
    body = {"name": "After commit"}
    async with client_for_engine(engine) as client:
        with SimulatedOutage(engine) as outage:
            outage.after_commit_of("INSERT INTO vendors")  # the write commits, then it is dark
            first = await client.post("/api/v1/vendors", json=body, headers=headers)
            outage.recover()
        retry = await client.post("/api/v1/vendors", json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    if first.status_code == 201:
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.json()["id"] == first.json()["id"]
    assert await _count_vendors(sessionmaker, "After commit") == 1


async def test_a_request_with_a_key_commits_once(engine, factory, users):
    """The key's record is written in the request's own transaction: no claim, no store."""
    from sqlalchemy import event

    commits = []
    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "one-commit"})
    listener = lambda conn: commits.append(conn)  # noqa: E731
    event.listen(engine.sync_engine, "commit", listener)
    try:
        async with client_for_engine(engine) as client:
            response = await client.post("/api/v1/vendors", json={"name": "V"}, headers=headers)
    finally:
        event.remove(engine.sync_engine, "commit", listener)
    assert response.status_code == 201
    assert len(commits) == 1


async def test_an_expired_key_runs_again(client, factory, users, sessionmaker):
    from datetime import timedelta

    from sqlalchemy import update

    from app.db.models import IdempotencyRecord
    from app.db.types import utcnow

    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "old-key"})
    first = await client.post("/api/v1/vendors", json={"name": "Old"}, headers=headers)
    async with sessionmaker() as session:
        await session.execute(
            update(IdempotencyRecord).values(created_at=utcnow() - timedelta(hours=25))
        )
        await session.commit()
    again = await client.post("/api/v1/vendors", json={"name": "Old"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert await _count_vendors(sessionmaker, "Old") == 2
    replay = await client.post("/api/v1/vendors", json={"name": "Old"}, headers=headers)
    assert replay.json()["id"] == again.json()["id"]


async def test_outage_seen_by_the_idempotency_middleware_is_503(engine, factory, users):
    from tests.http.simulated_outage import SimulatedOutage

    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "during-outage"})
    with SimulatedOutage(engine) as outage:
        outage.down = True
        async with client_for_engine(engine) as client:
            response = await client.post(
                "/api/v1/customers", json={"code": "A", "name": "A"}, headers=headers
            )
    assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"]


def client_for_engine(engine):
    from tests.conftest import build_app, client_for

    return client_for(build_app(engine))


async def test_two_processes_racing_one_key_make_one_object(engine, factory, users, sessionmaker):
    """Two API processes (two apps: nothing shared in memory) get the same key at once: one
    runs; the other is told 409 while it runs (PostgreSQL's advisory lock) or, where both ran
    (SQLite), the second's transaction is void and it replays the first's answer."""
    from app.db.models import Vendor
    from app.http.deps import Session
    from tests.conftest import build_app, client_for

    entered = asyncio.Semaphore(0)
    release = asyncio.Event()
    apps = [build_app(engine), build_app(engine)]
    for app in apps:

        @app.post("/api/v1/slow-vendor")
        async def slow_vendor(session: Session) -> dict[str, str]:
            entered.release()
            await release.wait()
            vendor = Vendor(name="raced")
            session.add(vendor)
            await session.flush()
            return {"id": str(vendor.id)}

    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "raced"})
    async with client_for(apps[0]) as first, client_for(apps[1]) as second:
        one = asyncio.create_task(first.post("/api/v1/slow-vendor", headers=headers))
        await entered.acquire()
        two = asyncio.create_task(second.post("/api/v1/slow-vendor", headers=headers))
        await asyncio.wait({two}, timeout=1)  # answered at once, or running too
        release.set()
        answers = [await one, await two]
    assert await _count_vendors(sessionmaker, "raced") == 1
    if answers[1].status_code == 409:
        assert_problem(answers[1], 409, "idempotency_in_flight")
        assert answers[0].status_code == 200
    else:  # whichever committed first is the original, the other its replay
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[1].json() == answers[0].json()
        replayed = [a.headers.get("idempotent-replayed") for a in answers]
        assert replayed.count("true") == 1 and replayed.count(None) == 1
