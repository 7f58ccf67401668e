"""ETag / If-Match and two writers at once (SPEC §3 Concurrency)."""

import asyncio

from tests.conftest import build_app, client_for
from tests.support import assert_problem


async def test_read_carries_etag_and_patch_needs_if_match(client, factory, users):
    customer = await factory.customer()
    headers = factory.headers(users["clerk"])
    read = await client.get(f"/api/v1/customers/{customer.id}", headers=headers)
    assert read.headers["etag"] == '"1"'
    missing = await client.patch(
        f"/api/v1/customers/{customer.id}", json={"name": "New"}, headers=headers
    )
    assert_problem(missing, 428, "precondition_required")
    stale = await client.patch(
        f"/api/v1/customers/{customer.id}",
        json={"name": "New"},
        headers={**headers, "If-Match": '"7"'},
    )
    body = assert_problem(stale, 412, "precondition_failed")
    assert body["current_version"] == 1
    ok = await client.patch(
        f"/api/v1/customers/{customer.id}",
        json={"name": "New"},
        headers={**headers, "If-Match": read.headers["etag"]},
    )
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    assert ok.json()["version"] == 2


async def test_bare_etag_is_accepted_and_weak_never_matches(client, factory, users):
    customer = await factory.customer()
    headers = factory.headers(users["clerk"])
    bare = await client.patch(
        f"/api/v1/customers/{customer.id}",
        json={"name": "N2"},
        headers={**headers, "If-Match": "1"},
    )
    assert bare.json()["version"] == 2
    weak = await client.patch(
        f"/api/v1/customers/{customer.id}",
        json={"name": "N3"},
        headers={**headers, "If-Match": 'W/"2"'},
    )
    assert_problem(weak, 412, "precondition_failed")
    for broken in ('"2', '2"', "W/2", '"2", "3"'):
        response = await client.patch(
            f"/api/v1/customers/{customer.id}",
            json={"name": "x"},
            headers={**headers, "If-Match": broken},
        )
        assert_problem(response, 422, "validation_error")


async def test_garbage_if_match_is_422(client, factory, users):
    customer = await factory.customer()
    response = await client.patch(
        f"/api/v1/customers/{customer.id}",
        json={"name": "x"},
        headers=factory.headers(users["clerk"], **{"If-Match": "banana"}),
    )
    assert_problem(response, 422, "validation_error")


async def test_two_writers_with_the_same_version_exactly_one_wins(engine, factory, users):
    customer = await factory.customer(name="Original")
    app = build_app(engine)
    headers = factory.headers(users["clerk"], **{"If-Match": '"1"'})
    async with client_for(app) as client:
        responses = await asyncio.gather(
            *(
                client.patch(
                    f"/api/v1/customers/{customer.id}",
                    json={"name": f"Writer {i}"},
                    headers=headers,
                )
                for i in range(2)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses[0] == 200, [r.text for r in responses]
        assert statuses[1] in (409, 412), [r.text for r in responses]
        loser = next(r for r in responses if r.status_code != 200)
        assert loser.json()["code"] in ("version_conflict", "precondition_failed")
        winner = next(r for r in responses if r.status_code == 200)
        final = await client.get(
            f"/api/v1/customers/{customer.id}", headers=factory.headers(users["clerk"])
        )
    assert final.json()["name"] == winner.json()["name"]
    assert final.json()["version"] == 2
    timeline = await _timeline(app, factory, users, customer.id)
    assert [e["action"] for e in timeline] == ["updated"]


async def _timeline(app, factory, users, customer_id):
    async with client_for(app) as client:
        response = await client.get(
            f"/api/v1/customers/{customer_id}/timeline", headers=factory.headers(users["clerk"])
        )
    return response.json()["items"]
