"""Receiving, reading, listing and the process record of repair orders: who may do what, what a
customer sees, bad input, filters, and constant query counts."""

from typing import Any

import pytest

from app.db.models import Customer
from tests.http.test_query_counts import count_queries
from tests.repair_orders.helpers import API, INTAKE, new_device, receive_body
from tests.support import assert_problem


async def test_receive_with_an_existing_device_or_a_new_one(bench, factory):
    customer_id = bench.users["customer"].customer_id
    device = await factory.device(await _customer(factory, customer_id))
    existing = await bench.receive(device_id=device.id)
    assert existing["device_id"] == str(device.id)
    inline = await bench.receive(device=new_device(warranty_until="2030-01-01"))
    made = await bench.client.get(f"/api/v1/devices/{inline['device_id']}", headers=bench.headers())
    assert made.status_code == 200 and made.json()["warranty_until"] == "2030-01-01"
    assert made.json()["customer_id"] == str(customer_id)


async def _customer(factory, customer_id):
    async with factory.sessionmaker() as session:
        return await session.get(Customer, customer_id)


@pytest.mark.parametrize("role", ["engineer", "customer"])
async def test_only_the_office_receives(bench, role):
    body = receive_body(bench.users["customer"].customer_id)
    response = await bench.client.post(API, json=body, headers=bench.headers(role))
    assert_problem(response, 403, "forbidden")


def _bad_bodies(customer_id: Any) -> dict[str, Any]:
    good = receive_body(customer_id)
    without_intake = {k: v for k, v in good.items() if k != "intake"}
    return {
        "no intake": without_intake,
        "intake without accessories": {
            **good,
            "intake": {k: v for k, v in INTAKE.items() if k != "accessories"},
        },
        "accessories not a list": {**good, "intake": {**INTAKE, "accessories": "cable"}},
        "empty appearance": {**good, "intake": {**INTAKE, "appearance": ""}},
        "unknown intake field": {**good, "intake": {**INTAKE, "photos": []}},
        "both device and device_id": {**good, "device_id": str(customer_id)},
        "neither device nor device_id": {k: v for k, v in good.items() if k != "device"},
        "no fault": {k: v for k, v in good.items() if k != "fault_description"},
        "unknown field": {**good, "priority": "high"},
        "device without a serial": {**good, "device": {"model": "T480"}},
        "unknown customer": {**good, "customer_id": "00000000-0000-0000-0000-000000000000"},
        "not an object": [good],
    }


@pytest.mark.parametrize("case", list(_bad_bodies("x")))
async def test_bad_receive_bodies_are_422_and_write_nothing(bench, case):
    body = _bad_bodies(bench.users["customer"].customer_id)[case]
    response = await bench.client.post(API, json=body, headers=bench.headers())
    assert_problem(response, 422, "validation_error")
    listed = await bench.client.get(API, headers=bench.headers())
    assert listed.json()["items"] == []


async def test_a_device_of_another_customer_is_refused(bench, factory):
    stranger = await factory.device(await factory.customer())
    body = receive_body(bench.users["customer"].customer_id, device_id=stranger.id)
    response = await bench.client.post(API, json=body, headers=bench.headers())
    assert_problem(response, 422, "validation_error")


async def test_a_duplicate_serial_inline_is_a_409(bench):
    device = new_device()
    await bench.receive(device=device)
    body = receive_body(bench.users["customer"].customer_id, device=device)
    assert_problem(await bench.client.post(API, json=body, headers=bench.headers()), 409)


async def test_a_customer_sees_its_own_orders_without_staff_fields(bench, factory):
    order = await bench.order_in("external")
    mine = await bench.get(order, "customer")
    assert "external_ref" not in mine
    assert mine["parts_total"] == {"customer": "0.00"}
    timeline = await bench.client.get(
        f"{API}/{order['id']}/timeline", headers=bench.headers("customer")
    )
    for entry in timeline.json()["items"]:
        assert "vendor_id" not in (entry["changes"] or {}), entry
        assert "external_repair_id" not in (entry["changes"] or {}), entry
    stranger = await factory.user("customer")
    assert_problem(
        await bench.client.get(f"{API}/{order['id']}", headers=factory.headers(stranger)),
        404,
        "not_found",
    )
    listed = await bench.client.get(API, headers=factory.headers(stranger))
    assert listed.json()["items"] == []


async def test_process_records_by_the_assignee_or_the_office_staff_only(bench, factory):
    order = await bench.order_in("repairing")
    url = f"{API}/{order['id']}/process-records"
    body = {"step": "board test", "findings": "C12 dead", "actions": "replaced", "minutes": 25}
    written = await bench.client.post(url, json=body, headers=bench.headers("engineer"))
    assert written.status_code == 201, written.text
    assert written.json()["author"]["id"] == str(bench.users["engineer"].id)
    assert (await bench.client.post(url, json=body, headers=bench.headers())).status_code == 201
    assert_problem(await bench.client.post(url, json=body, headers=bench.headers("customer")), 403)
    assert_problem(await bench.client.get(url, headers=bench.headers("customer")), 403)
    outsider = await factory.user("engineer")
    assert_problem(await bench.client.post(url, json=body, headers=factory.headers(outsider)), 404)
    listed = await bench.client.get(url, headers=bench.headers("engineer"))
    assert [r["step"] for r in listed.json()["items"]] == ["board test", "board test"]
    customer_view = await bench.client.get(
        f"{API}/{order['id']}/timeline", headers=bench.headers("customer")
    )
    actions = [e.get("action") for e in customer_view.json()["items"]]
    assert "process_recorded" not in actions
    staff_view = await bench.events(order)
    assert sum(e["action"] == "process_recorded" for e in staff_view) == 2


@pytest.mark.parametrize(
    "bad",
    [{"step": ""}, {"minutes": -1}, {"minutes": "5"}, {"surprise": 1}, {"findings": 3}],
)
async def test_bad_process_records_are_422(bench, bad):
    order = await bench.order_in("repairing")
    body = {"step": "x", **bad}
    response = await bench.client.post(
        f"{API}/{order['id']}/process-records", json=body, headers=bench.headers()
    )
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    "bad",
    [
        {"in_warranty": "yes", "reason": "x"},
        {"in_warranty": True},
        {"in_warranty": True, "reason": ""},
    ],
)
async def test_bad_warranty_overrides_are_422(bench, bad):
    order = await bench.order_in("diagnosed")
    response = await bench.client.post(
        f"{API}/{order['id']}/warranty-override", json=bad, headers=bench.headers("supervisor")
    )
    assert_problem(response, 422, "validation_error")


async def test_engineers_see_the_repairs_assigned_to_them(bench, factory):
    order = await bench.order_in("assigned")
    unassigned = await bench.receive()
    listed = await bench.client.get(API, headers=bench.headers("engineer"))
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    assert_problem(
        await bench.client.get(f"{API}/{unassigned['id']}", headers=bench.headers("engineer")),
        404,
    )


async def test_filters(bench):
    a = await bench.order_in("repairing")
    b = await bench.order_in("assigned")
    c = await bench.receive(fault_description="screen flickers")

    async def ids(**params: Any) -> set[str]:
        response = await bench.client.get(API, params=params, headers=bench.headers())
        assert response.status_code == 200, response.text
        return {o["id"] for o in response.json()["items"]}

    assert await ids(status=["repairing", "received"]) == {a["id"], c["id"]}
    assert await ids(assignee_id=str(bench.users["engineer"].id)) == {a["id"], b["id"]}
    assert await ids(route="in_house") == {a["id"]}
    assert await ids(q="flicker") == {c["id"]}
    assert await ids(q=c["number"]) == {c["id"]}
    device = await bench.client.get(f"/api/v1/devices/{a['device_id']}", headers=bench.headers())
    assert await ids(q=device.json()["serial_number"].lower()) == {a["id"]}
    assert await ids(device_id=a["device_id"]) == {a["id"]}
    assert await ids(overdue="false") == {a["id"], b["id"], c["id"]}
    assert await ids(overdue="true") == set()
    assert await ids(received_after=a["received_at"]) == {a["id"], b["id"], c["id"]}
    assert await ids(received_before=a["received_at"]) == set()
    unknown = await bench.client.get(API, params={"colour": "red"}, headers=bench.headers())
    assert_problem(unknown, 422, "validation_error")


async def test_the_list_runs_a_constant_number_of_queries(bench, engine):
    async def grow(n: int) -> None:
        for _ in range(n):
            order = await bench.order_in("repairing")
            await bench.client.post(
                f"{API}/{order['id']}/parts",
                json={"part_number": "P", "description": "d", "quantity": 1, "unit_cost": "1"},
                headers=bench.headers(),
            )

    await grow(2)
    with count_queries(engine) as few:
        assert (
            await bench.client.get(f"{API}?limit=200", headers=bench.headers())
        ).status_code == 200
    await grow(6)
    with count_queries(engine) as many:
        response = await bench.client.get(f"{API}?limit=200", headers=bench.headers())
    assert len(response.json()["items"]) == 8
    assert len(many) == len(few), many
