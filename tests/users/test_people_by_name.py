"""Every user reference in a read carries {id, name} (plus role for staff) — SPEC §3."""

from tests.service_orders.helpers import API, act, order_body


async def test_order_names_its_owner_and_assignee(client, factory, users):
    clerk_user, engineer = users["clerk"], users["engineer"]
    clerk = factory.headers(clerk_user)
    created = await client.post(API, json=order_body(users["customer"].customer_id), headers=clerk)
    assigned = await act(
        client, clerk, created.json()["id"], "assign", {"assignee_id": str(engineer.id)}
    )

    body = assigned.json()
    assert body["owner_id"] == str(clerk_user.id)
    assert body["owner"] == {"id": str(clerk_user.id), "name": clerk_user.name, "role": "clerk"}
    assert body["assignee_id"] == str(engineer.id)
    assert body["assignee"] == {"id": str(engineer.id), "name": engineer.name, "role": "engineer"}
    listed = (await client.get(API, headers=clerk)).json()["items"]
    assert listed[0]["assignee"] == body["assignee"]


async def test_a_portal_order_has_no_owner_until_the_office_assigns_it(client, factory, users):
    me = users["customer"]
    created = await client.post(
        API, json=order_body(me.customer_id, channel="portal"), headers=factory.headers(me)
    )
    assert created.json()["owner"] is None and created.json()["assignee"] is None


async def test_timeline_names_actors_and_customers_have_no_role(client, factory, users):
    me = users["customer"]
    created = await client.post(
        API, json=order_body(me.customer_id, channel="portal"), headers=factory.headers(me)
    )
    order_id = created.json()["id"]
    await act(
        client,
        factory.headers(users["supervisor"]),
        order_id,
        "assign",
        {"assignee_id": str(users["engineer"].id)},
    )

    timeline = await client.get(
        f"{API}/{order_id}/timeline", headers=factory.headers(users["clerk"])
    )

    actors = [e["actor"] for e in timeline.json()["items"]]
    assert actors == [
        {"id": str(me.id), "name": me.name, "role": None},
        {"id": str(users["supervisor"].id), "name": users["supervisor"].name, "role": "supervisor"},
    ]


async def test_a_summary_shows_the_current_name(client, factory, users):
    clerk_user = users["clerk"]
    clerk = factory.headers(clerk_user)
    created = await client.post(API, json=order_body(users["customer"].customer_id), headers=clerk)
    renamed = await client.patch(
        f"/api/v1/users/{clerk_user.id}",
        json={"name": "Renamed Clerk"},
        headers=factory.headers(users["supervisor"], **{"If-Match": '"1"'}),
    )
    assert renamed.status_code == 200, renamed.text

    order = await client.get(f"{API}/{created.json()['id']}", headers=clerk)

    assert order.json()["owner"]["name"] == "Renamed Clerk"


async def test_the_event_feed_names_the_actor(client, factory, users):
    clerk_user = users["clerk"]
    await client.post(
        API, json=order_body(users["customer"].customer_id), headers=factory.headers(clerk_user)
    )
    feed = await client.get("/api/v1/events", headers=factory.headers(clerk_user))
    [event] = [e for e in feed.json()["items"] if e["object_type"] == "service_order"]
    assert event["actor"] == {"id": str(clerk_user.id), "name": clerk_user.name, "role": "clerk"}


async def test_timeline_names_the_people_its_changes_mention(client, factory, users):
    clerk = factory.headers(users["clerk"])
    first, second = users["engineer"], await factory.user("engineer", name="Second Engineer")
    created = await client.post(API, json=order_body(users["customer"].customer_id), headers=clerk)
    order_id = created.json()["id"]
    for engineer in (first, second):
        await act(client, clerk, order_id, "assign", {"assignee_id": str(engineer.id)})

    timeline = await client.get(f"{API}/{order_id}/timeline", headers=clerk)

    reassigned = timeline.json()["items"][-1]
    assert reassigned["changes"]["assignee_id"] == [str(first.id), str(second.id)]
    assert [p["name"] for p in reassigned["people"]] == [first.name, "Second Engineer"]
