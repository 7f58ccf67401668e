from tests.support import assert_problem


async def test_healthz_answers_without_auth(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_database_and_migration_head(client):
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["migration"]


async def test_metrics_exposes_request_counters(client):
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "aftercare_http_requests_total" in response.text


async def test_request_id_is_echoed_or_generated(client):
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


async def test_unknown_route_is_problem_json(client):
    assert_problem(await client.get("/api/v1/nope"), 404, "not_found")


async def test_wrong_method_is_problem_json(client):
    assert_problem(await client.delete("/healthz"), 405, "method_not_allowed")


async def test_access_log_is_one_json_line_per_request(client, factory, users, caplog):
    import json
    import logging

    caplog.set_level(logging.INFO, logger="aftercare.access")
    customer = await factory.customer()
    await client.get(f"/api/v1/customers/{customer.id}", headers=factory.headers(users["clerk"]))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "aftercare.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET" and line["status"] == 200
    assert line["path"] == f"/api/v1/customers/{customer.id}"
    assert line["route"] == "/api/v1/customers/{customer_id}"
    assert line["user_id"] == str(users["clerk"].id)
    assert len(line["request_id"]) == 32


async def test_sqlite_and_postgres_both_enforce_foreign_keys(sessionmaker):
    import uuid

    import pytest
    from sqlalchemy.exc import IntegrityError

    from app.db.models import Device

    async with sessionmaker() as session:
        session.add(Device(customer_id=uuid.uuid4(), serial_number="SN-FK", model="M"))
        with pytest.raises(IntegrityError):
            await session.commit()
