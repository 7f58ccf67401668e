"""Every error is problem+json; bad input changes nothing; a failed commit is never a 200."""

import uuid

from app.db.models import Customer
from app.http.deps import Session
from tests.conftest import build_app, client_for
from tests.support import assert_problem


async def test_malformed_json_is_400(client, factory, users):
    response = await client.post(
        "/api/v1/customers",
        content=b'{"code": "A", ',
        headers=factory.headers(users["clerk"], **{"Content-Type": "application/json"}),
    )
    assert_problem(response, 400, "invalid_json")


async def test_wrong_content_type_is_415(client, factory, users):
    response = await client.post(
        "/api/v1/customers",
        content=b"code=A&name=B",
        headers=factory.headers(
            users["clerk"], **{"Content-Type": "application/x-www-form-urlencoded"}
        ),
    )
    assert_problem(response, 415, "unsupported_media_type")


async def test_oversized_body_is_413(engine, factory, users):
    app = build_app(engine, max_body_bytes=2048)
    async with client_for(app) as client:
        declared = await client.post(
            "/api/v1/customers",
            json={"code": "A", "name": "x" * 5000},
            headers=factory.headers(users["clerk"]),
        )

        async def chunks():
            for _ in range(10):
                yield b"x" * 1000

        streamed = await client.post(
            "/api/v1/customers",
            content=chunks(),
            headers=factory.headers(users["clerk"], **{"Content-Type": "application/json"}),
        )
    assert_problem(declared, 413, "payload_too_large")
    assert_problem(streamed, 413, "payload_too_large")


async def test_nul_in_query_string_is_400(client, factory, users):
    response = await client.get(
        "/api/v1/customers?q=a%00b", headers=factory.headers(users["clerk"])
    )
    assert_problem(response, 400)


async def test_validation_errors_name_the_fields(client, factory, users):
    response = await client.post(
        "/api/v1/customers",
        json={"code": 5, "name": "", "colour": "red"},
        headers=factory.headers(users["clerk"]),
    )
    body = assert_problem(response, 422, "validation_error")
    fields = {e["field"] for e in body["errors"]}
    assert {"code", "name", "colour"} <= fields


async def test_unexpected_error_is_500_problem_without_trace(engine):
    app = build_app(engine)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    async with client_for(app) as client:
        response = await client.get("/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert body["detail"]


async def test_a_commit_that_fails_is_an_error_not_a_200(engine, factory, users):
    """The unit of work commits before the response is sent: a conflict found only at commit
    time must reach the client as an error, and nothing may be stored."""
    taken = await factory.customer(code="TAKEN")
    app = build_app(engine)

    @app.post("/late-conflict")
    async def late_conflict(session: Session) -> dict[str, str]:
        session.add(Customer(code="TAKEN", name="duplicate"))  # flushed only at commit
        return {"status": "looks fine"}

    async with client_for(app) as client:
        response = await client.post("/late-conflict")
        listed = await client.get(
            "/api/v1/customers?code=TAKEN", headers=factory.headers(users["clerk"])
        )
    assert_problem(response, 409, "conflict")
    assert [c["id"] for c in listed.json()["items"]] == [str(taken.id)]


async def test_not_found_is_problem_json(client, factory, users):
    response = await client.get(
        f"/api/v1/customers/{uuid.uuid4()}", headers=factory.headers(users["clerk"])
    )
    assert_problem(response, 404, "not_found")


async def test_bad_uuid_in_path_is_422(client, factory, users):
    response = await client.get(
        "/api/v1/customers/not-a-uuid", headers=factory.headers(users["clerk"])
    )
    assert_problem(response, 422, "validation_error")
