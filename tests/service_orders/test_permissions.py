"""Who may see and do what on a service order (SPEC §2 and §4.1) beyond the action matrix (which
test_workflow_oracle.py checks for every role, state and outsider): reads, records, edits,
creating through the portal, former assignees."""

import uuid

import pytest

from tests.service_orders.desk import assert_unchanged, default_body
from tests.service_orders.helpers import API, order_body
from tests.support import assert_problem

# --- engineers: their own orders only ---------------------------------------------------------


async def test_an_engineer_cannot_see_an_unassigned_order(desk):
    order = await desk.create()
    engineer = desk.headers("engineer")
    oid = order["id"]
    assert_problem(await desk.client.get(f"{API}/{oid}", headers=engineer), 404, "not_found")
    assert_problem(
        await desk.client.get(f"{API}/{oid}/timeline", headers=engineer), 404, "not_found"
    )
    record = {"kind": "work", "body": "Looked at it"}
    assert_problem(
        await desk.client.post(f"{API}/{oid}/records", json=record, headers=engineer), 404
    )
    listed = await desk.client.get(API, headers=engineer)
    assert listed.json()["items"] == []
    await assert_unchanged(desk, order, 1)


async def test_a_former_assignee_sees_the_order_but_may_not_act(desk, factory):
    newcomer = await factory.user("engineer")
    for action, state in (
        ("start", "assigned"),
        ("hold", "in_progress"),
        ("resume", "on_hold"),
        ("report", "in_progress"),
    ):
        order = await desk.order_in(state)
        if state == "assigned":  # give users["engineer"] a part in it, so it stays in sight
            await desk.do(order, "hold", "engineer")
            await desk.do(order, "resume", "engineer")
        await desk.do(order, "assign", body={"assignee_id": str(newcomer.id)})
        order = await desk.get(order)
        assert order["status"] == state
        assert (await desk.get(order, "engineer"))["allowed_actions"] == []
        count = len(await desk.events(order))
        response = await desk.act(order, action, "engineer")
        assert response.status_code == 403, (action, response.text)
        assert_problem(response, 403, "forbidden")
        await assert_unchanged(desk, order, count)


async def test_engineers_may_not_create_or_edit_orders(desk):
    body = order_body(desk.customer_id)
    assert_problem(await desk.client.post(API, json=body, headers=desk.headers("engineer")), 403)
    order = await desk.order_in("assigned")
    response = await desk.client.patch(
        f"{API}/{order['id']}",
        json={"subject": "Mine now"},
        headers=desk.headers("engineer", **{"If-Match": f'"{order["version"]}"'}),
    )
    assert_problem(response, 403, "forbidden")
    await assert_unchanged(desk, order, 2)


async def test_engineer_records_on_an_assigned_order(desk):
    order = await desk.order_in("in_progress")
    for kind in ("communication", "work", "internal"):
        response = await desk.client.post(
            f"{API}/{order['id']}/records",
            json={"kind": kind, "channel": "phone", "body": f"{kind} note"},
            headers=desk.headers("engineer"),
        )
        assert response.status_code == 201, response.text
        assert response.json()["kind"] == kind


# --- customers: their own company's orders ----------------------------------------------------


async def test_customer_opens_an_order_through_the_portal(desk, users):
    order = await desk.create(who="customer", channel="portal")
    assert order["status"] == "new"
    assert order["owner_id"] is None  # set by the office's first assign
    assert order["allowed_actions"] == ["cancel"]
    event = (await desk.events(order))[0]
    assert event["actor_id"] == str(users["customer"].id)


async def test_customer_may_not_open_an_order_on_another_channel(desk):
    for channel in ("phone", "fax", "email", "walk_in"):
        body = order_body(desk.customer_id, channel=channel)
        response = await desk.client.post(API, json=body, headers=desk.headers("customer"))
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == "channel"
    assert (await desk.client.get(API, headers=desk.headers())).json()["items"] == []


async def test_customer_may_not_open_an_order_for_another_company(desk, factory):
    for other in ((await factory.customer()).id, uuid.uuid4()):
        body = order_body(other, channel="portal")
        response = await desk.client.post(API, json=body, headers=desk.headers("customer"))
        assert response.status_code in (404, 422), response.text
        assert_problem(response, response.status_code)
    assert (await desk.client.get(API, headers=desk.headers())).json()["items"] == []


async def test_customer_may_not_name_another_companys_device(desk, factory):
    other_device = await factory.device(await factory.customer())
    body = order_body(desk.customer_id, channel="portal", device_id=str(other_device.id))
    response = await desk.client.post(API, json=body, headers=desk.headers("customer"))
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "device_id"
    assert (await desk.client.get(API, headers=desk.headers())).json()["items"] == []


async def test_another_companys_customer_sees_nothing(desk, factory):
    stranger = await factory.user("customer")
    headers = desk.headers(stranger)
    for state in ("new", "reported"):
        order = await desk.order_in(state)
        oid = order["id"]
        count = len(await desk.events(order))
        assert_problem(await desk.client.get(f"{API}/{oid}", headers=headers), 404, "not_found")
        assert_problem(await desk.client.get(f"{API}/{oid}/timeline", headers=headers), 404)
        message = {"kind": "communication", "body": "Hello?"}
        assert_problem(
            await desk.client.post(f"{API}/{oid}/records", json=message, headers=headers), 404
        )
        patch = await desk.client.patch(
            f"{API}/{oid}",
            json={"subject": "x"},
            headers={**headers, "If-Match": f'"{order["version"]}"'},
        )
        assert_problem(patch, 404)
        await assert_unchanged(desk, order, count)
    assert (await desk.client.get(API, headers=headers)).json()["items"] == []


async def test_customer_may_not_edit_its_own_order(desk):
    order = await desk.create(who="customer", channel="portal")
    response = await desk.client.patch(
        f"{API}/{order['id']}",
        json={"subject": "Changed"},
        headers=desk.headers("customer", **{"If-Match": f'"{order["version"]}"'}),
    )
    assert_problem(response, 403, "forbidden")
    await assert_unchanged(desk, order, 1)


async def test_customer_never_sees_internal_records(desk):
    order = await desk.order_in("in_progress")
    for kind, body in (("communication", "Called"), ("work", "Swapped"), ("internal", "Secret")):
        response = await desk.client.post(
            f"{API}/{order['id']}/records",
            json={"kind": kind, "body": body},
            headers=desk.headers("engineer"),
        )
        assert response.status_code == 201
    staff = (await desk.client.get(f"{API}/{order['id']}/timeline", headers=desk.headers())).json()[
        "items"
    ]
    assert [e["record"]["body"] for e in staff if e["type"] == "record"] == [
        "Called",
        "Swapped",
        "Secret",
    ]
    public = await desk.client.get(
        f"{API}/{order['id']}/timeline", headers=desk.headers("customer")
    )
    entries = public.json()["items"]
    assert [e["record"]["body"] for e in entries if e["type"] == "record"] == ["Called", "Swapped"]
    assert "Secret" not in public.text


@pytest.mark.parametrize("kind", ["work", "internal"])
async def test_customer_may_add_only_communication_records(desk, kind):
    order = await desk.create(who="customer", channel="portal")
    response = await desk.client.post(
        f"{API}/{order['id']}/records",
        json={"kind": kind, "body": "Let me in"},
        headers=desk.headers("customer"),
    )
    assert response.status_code in (403, 422)
    assert_problem(response, response.status_code)
    timeline = await desk.client.get(f"{API}/{order['id']}/timeline", headers=desk.headers())
    assert [e for e in timeline.json()["items"] if e["type"] == "record"] == []


async def test_customer_message_is_marked_as_coming_through_the_portal(desk, users):
    order = await desk.create(who="customer", channel="portal")
    response = await desk.client.post(
        f"{API}/{order['id']}/records",
        json={"kind": "communication", "channel": "phone", "body": "Any news?"},
        headers=desk.headers("customer"),
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert (record["channel"], record["author_id"]) == ("portal", str(users["customer"].id))


async def test_colleagues_of_the_same_company_share_its_orders(desk, factory, users):
    colleague = await factory.user("customer", customer_id=users["customer"].customer_id)
    order = await desk.order_in("reported")
    assert set((await desk.get(order, colleague))["allowed_actions"]) == {"confirm", "reopen"}
    after = await desk.do(order, "confirm", colleague, None)
    assert after["confirmation"]["channel"] == "portal"


async def test_anonymous_requests_are_401(desk):
    order = await desk.create()
    assert_problem(await desk.client.get(API), 401)
    assert_problem(await desk.client.get(f"{API}/{order['id']}"), 401)
    body = default_body("cancel")
    assert_problem(await desk.client.post(f"{API}/{order['id']}/cancel", json=body), 401)
    await assert_unchanged(desk, order, 1)
