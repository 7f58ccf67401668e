"""Who sees external repairs (SPEC §2, §4.3) beyond the action matrix: customers never (404 on
every route), engineers those of repair orders assigned to them (read only), the office all."""

from tests.external_repairs.helpers import API, attempt_in, load_order, repair_order
from tests.support import assert_problem


async def test_customers_get_404_from_every_route(client, factory, users):
    attempt = await attempt_in(client, factory, users, "at_vendor")
    customer = await factory.user("customer")  # even the repair order's own customer
    own = await factory.user("customer", customer_id=await _customer_of(factory, attempt))
    for who in (users["customer"], customer, own):
        headers = factory.headers(who)
        for path in (
            API,
            f"{API}/{attempt['id']}",
            f"{API}/{attempt['id']}/timeline",
            f"/api/v1/repair-orders/{attempt['repair_order_id']}/external-repairs",
        ):
            assert_problem(await client.get(path, headers=headers), 404, "not_found")
        body = {"repair_order_id": attempt["repair_order_id"], "vendor_id": attempt["vendor_id"]}
        assert_problem(await client.post(API, json=body, headers=headers), 404, "not_found")


async def _customer_of(factory, attempt):
    return (await load_order(factory, attempt["repair_order_id"])).customer_id


async def test_engineers_read_only_the_attempts_of_their_repairs(client, factory, users):
    engineer = users["engineer"]
    headers = factory.headers(engineer)
    mine = await attempt_in(client, factory, users, "contacted", assignee=engineer)
    other = await attempt_in(client, factory, users, "contacted")

    listed = await client.get(API, headers=headers)
    assert [a["id"] for a in listed.json()["items"]] == [mine["id"]]
    read = await client.get(f"{API}/{mine['id']}", headers=headers)
    assert read.status_code == 200 and read.json()["allowed_actions"] == []
    assert (await client.get(f"{API}/{mine['id']}/timeline", headers=headers)).status_code == 200
    assert_problem(await client.get(f"{API}/{other['id']}", headers=headers), 404, "not_found")
    assert_problem(
        await client.get(f"{API}/{other['id']}/timeline", headers=headers), 404, "not_found"
    )
    own_order = f"/api/v1/repair-orders/{mine['repair_order_id']}/external-repairs"
    assert [a["id"] for a in (await client.get(own_order, headers=headers)).json()["items"]] == [
        mine["id"]
    ]
    other_order = f"/api/v1/repair-orders/{other['repair_order_id']}/external-repairs"
    assert_problem(await client.get(other_order, headers=headers), 404, "not_found")

    order = await repair_order(factory, assignee=engineer)
    vendor = await factory.vendor()
    body = {"repair_order_id": str(order.id), "vendor_id": str(vendor.id)}
    assert_problem(await client.post(API, json=body, headers=headers), 403, "forbidden")


async def test_the_office_sees_the_timeline_of_an_attempt(client, factory, users):
    attempt = await attempt_in(client, factory, users, "at_vendor")
    for role in ("clerk", "supervisor"):
        response = await client.get(
            f"{API}/{attempt['id']}/timeline", headers=factory.headers(users[role])
        )
        events = [e["action"] for e in response.json()["items"] if e["type"] == "event"]
        assert events == ["created", "contact", "send"], role


async def test_unknown_ids_are_404(client, factory, users):
    clerk = factory.headers(users["clerk"])
    missing = "00000000-0000-0000-0000-000000000000"
    for path in (f"{API}/{missing}", f"/api/v1/repair-orders/{missing}/external-repairs"):
        assert_problem(await client.get(path, headers=clerk), 404, "not_found")
    response = await client.post(f"{API}/{missing}/contact", json={}, headers=clerk)
    assert response.status_code in (404, 422)
