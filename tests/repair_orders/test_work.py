"""GET /users/me/work lists repair work after the service orders, in one paged walk."""

from tests.service_orders.helpers import order_body

WORK = "/api/v1/users/me/work"


async def _walk(bench, who: str, limit: int) -> list[tuple[str, str, str]]:
    items, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await bench.client.get(WORK, params=params, headers=bench.headers(who))
        assert response.status_code == 200, response.text
        page = response.json()
        items += [(i["kind"], i["reason"], i["order"]["id"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_engineers_and_clerks_see_their_repair_work(bench):
    repairing = await bench.order_in("repairing")
    received = await bench.receive()
    ready = await bench.order_in("ready")
    closed = await bench.order_in("closed")
    engineer = await _walk(bench, "engineer", 50)
    assert engineer == [("repair_order", "assigned", repairing["id"])]
    clerk = {item[2] for item in await _walk(bench, "clerk", 50)}
    assert clerk == {received["id"], ready["id"]} and closed["id"] not in clerk


async def test_service_orders_come_first_and_every_page_size_walks_the_same_list(bench):
    service = await bench.client.post(
        "/api/v1/service-orders",
        json=order_body(bench.users["customer"].customer_id),
        headers=bench.headers(),
    )
    assert service.status_code == 201
    repairs = [await bench.receive() for _ in range(3)]
    whole = await _walk(bench, "clerk", 50)
    assert whole[0] == ("service_order", "owned_waiting", service.json()["id"])
    assert {i[2] for i in whole[1:]} == {r["id"] for r in repairs}
    for limit in (1, 2, 3):
        assert await _walk(bench, "clerk", limit) == whole, limit


async def test_customers_get_no_work_list(bench):
    response = await bench.client.get(WORK, headers=bench.headers("customer"))
    assert response.status_code == 403
