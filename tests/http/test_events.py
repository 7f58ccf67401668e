"""The append-only event log and its integration feed (SPEC §3)."""

from tests.support import assert_problem


async def test_each_change_writes_one_event_in_order(client, factory, users):
    clerk = factory.headers(users["clerk"])
    created = await client.post(
        "/api/v1/customers", json={"code": "E1", "name": "E"}, headers=clerk
    )
    customer_id = created.json()["id"]
    await client.patch(
        f"/api/v1/customers/{customer_id}",
        json={"phone": "123"},
        headers={**clerk, "If-Match": '"1"'},
    )
    feed = await client.get("/api/v1/events?object_type=customer", headers=clerk)
    assert feed.status_code == 200
    items = [e for e in feed.json()["items"] if e["object_id"] == customer_id]
    assert [e["action"] for e in items] == ["created", "updated"]
    assert items[0]["seq"] < items[1]["seq"]
    assert items[1]["changes"] == {"phone": [None, "123"]}
    assert items[1]["actor_id"] == str(users["clerk"].id)


async def test_feed_pages_with_after(client, factory, users):
    clerk = factory.headers(users["clerk"])
    for i in range(5):
        await client.post("/api/v1/vendors", json={"name": f"V{i}"}, headers=clerk)
    seen, after = [], 0
    while True:
        page = (await client.get(f"/api/v1/events?after={after}&limit=2", headers=clerk)).json()
        if not page["items"]:
            break
        seen += [e["seq"] for e in page["items"]]
        after = page["next_after"]
    assert len(seen) == 5
    assert seen == sorted(seen)
    assert len(set(seen)) == 5


async def test_a_refused_change_writes_no_event(client, factory, users):
    clerk = factory.headers(users["clerk"])
    customer = await factory.customer()
    await client.patch(
        f"/api/v1/customers/{customer.id}", json={"name": "x"}, headers={**clerk, "If-Match": '"9"'}
    )
    feed = (await client.get("/api/v1/events", headers=clerk)).json()
    assert feed["items"] == []


async def test_feed_is_office_only(client, factory, users):
    for role in ("customer", "engineer"):
        response = await client.get("/api/v1/events", headers=factory.headers(users[role]))
        assert_problem(response, 403, "forbidden")
    assert_problem(await client.get("/api/v1/events"), 401)
    for role in ("clerk", "supervisor"):
        response = await client.get("/api/v1/events", headers=factory.headers(users[role]))
        assert response.status_code == 200


async def test_bad_after_is_422(client, factory, users):
    clerk = factory.headers(users["clerk"])
    for value in ("-1", "abc", str(2**70)):
        assert_problem(await client.get(f"/api/v1/events?after={value}", headers=clerk), 422)
