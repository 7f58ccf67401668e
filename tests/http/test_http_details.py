"""HTTP details a client library relies on: Allow on 405, the order of 404/405/422 before 428,
a wrong token at /auth/refresh, and bodies the JSON decoder cannot read."""

import uuid

import pytest
from fastapi.routing import iter_route_contexts

from app.db.models import Role
from tests.support import PASSWORD, assert_problem

JSON = {"Content-Type": "application/json"}
ALL_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}


def _allow(response) -> set[str]:
    return {m.strip() for m in response.headers["allow"].split(",")}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/customers/{id}", {"GET", "PATCH"}),
        ("PUT", "/api/v1/customers", {"GET", "POST"}),
        ("DELETE", "/api/v1/service-orders/{id}", {"GET", "PATCH"}),
        ("GET", "/api/v1/auth/refresh", {"POST"}),
    ],
)
async def test_405_allow_lists_every_method_of_the_path(
    client, factory, users, method, path, allowed
):
    response = await client.request(
        method, path.format(id=uuid.uuid4()), headers=factory.headers(users["supervisor"])
    )
    assert_problem(response, 405, "method_not_allowed")
    assert _allow(response) == allowed


def _route_table(app) -> list[tuple[str, set[str]]]:
    table: dict[str, set[str]] = {}
    for route in iter_route_contexts(app.router.routes):
        if route.methods and route.path.startswith("/api/"):
            table.setdefault(route.path, set()).update(route.methods)
    return sorted(table.items())


async def test_every_path_names_all_its_methods_on_405(app, client, factory, users):
    headers = factory.headers(users["supervisor"])
    for template, methods in _route_table(app):
        unused = sorted(ALL_METHODS - methods - {"HEAD"})
        path = template.format(**{n: uuid.uuid4() for n in _params(template)})
        response = await client.request(unused[0], path, headers=headers)
        assert response.status_code == 405, (template, response.text)
        # A literal path such as /users/me also matches /users/{user_id}; both count.
        assert _allow(response) >= methods, template


def _params(template: str) -> list[str]:
    return [part[1:-1] for part in template.split("/") if part.startswith("{")]


PATCHABLE = ["customers", "devices", "vendors", "users", "service-orders", "sla-policies"]


@pytest.mark.parametrize("resource", PATCHABLE)
async def test_patch_with_a_bad_id_is_422_not_428(client, factory, users, resource):
    response = await client.patch(
        f"/api/v1/{resource}/not-a-uuid",
        content=b"{}",
        headers=factory.headers(users["supervisor"], **JSON),
    )
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize("resource", PATCHABLE)
async def test_patch_of_a_missing_object_is_404_not_428(client, factory, users, resource):
    response = await client.patch(
        f"/api/v1/{resource}/{uuid.uuid4()}",
        content=b"{}",
        headers=factory.headers(users["supervisor"], **JSON),
    )
    assert_problem(response, 404, "not_found")


async def test_patch_with_an_invalid_body_is_422_not_428(client, factory, users):
    customer = await factory.customer()
    response = await client.patch(
        f"/api/v1/customers/{customer.id}",
        json={"no_such_field": 1},
        headers=factory.headers(users["supervisor"]),
    )
    assert_problem(response, 422, "validation_error")


async def test_patch_to_a_path_without_patch_is_405_not_428(client, factory, users):
    response = await client.patch(
        "/api/v1/customers", content=b"{}", headers=factory.headers(users["clerk"], **JSON)
    )
    assert_problem(response, 405, "method_not_allowed")
    response = await client.patch(
        "/api/v1/no-such-thing", content=b"{}", headers=factory.headers(users["clerk"], **JSON)
    )
    assert_problem(response, 404, "not_found")


async def test_patch_of_a_found_object_without_if_match_is_still_428(client, factory, users):
    customer = await factory.customer()
    response = await client.patch(
        f"/api/v1/customers/{customer.id}",
        json={"name": "Renamed"},
        headers=factory.headers(users["supervisor"]),
    )
    assert_problem(response, 428, "precondition_required")


async def test_calendar_put_without_if_match_is_still_428(client, factory, users):
    calendar = (
        await client.get("/api/v1/business-calendar", headers=factory.headers(users["clerk"]))
    ).json()
    body = {k: calendar[k] for k in ("timezone", "work_hours", "holidays") if k in calendar}
    response = await client.put(
        "/api/v1/business-calendar", json=body, headers=factory.headers(users["supervisor"])
    )
    assert_problem(response, 428, "precondition_required")


async def test_an_access_token_sent_to_refresh_is_invalid_grant(client, factory):
    user = await factory.user(Role.clerk)
    login = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": user.email, "password": PASSWORD},
    )
    assert login.status_code == 200, login.text
    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": login.json()["access_token"]}
    )
    assert_problem(response, 401, "invalid_grant")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"code": "A", "name": "\xff\xfe"}', id="invalid-utf8"),
        pytest.param(b'{"code": "A", "name": "\xc3"}', id="truncated-utf8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deep-arrays"),
        pytest.param(b'{"a":' * 5_000 + b"1" + b"}" * 5_000, id="deep-objects"),
        pytest.param(b'{"code": "A", "name": ' + b"9" * 5_000 + b"}", id="huge-integer"),
        pytest.param(b'{"code": "A", "name": -' + b"9" * 5_000 + b"}", id="huge-negative"),
    ],
)
async def test_undecodable_bodies_are_invalid_json(client, factory, users, body):
    headers = factory.headers(users["clerk"], **JSON)
    response = await client.post("/api/v1/customers", content=body, headers=headers)
    assert_problem(response, 400, "invalid_json")
    listed = (await client.get("/api/v1/customers", headers=headers)).json()["items"]
    assert [c for c in listed if c["code"] == "A"] == []
