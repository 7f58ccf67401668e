"""The external path (SPEC §4.3): one station fails, a second succeeds; the repair order moves."""

from app.db.models.repairs import RepairOrderStatus
from tests.external_repairs.helpers import (
    API,
    CONTACT,
    RECEIVE,
    load_order,
    repair_order,
    send_body,
)
from tests.support import assert_problem


async def _step(client, headers, attempt, action, body):
    response = await client.post(f"{API}/{attempt['id']}/{action}", json=body, headers=headers)
    assert response.status_code == 200, (action, response.text)
    return response.json()


async def test_one_station_fails_and_a_second_repairs_it(client, factory, users):
    clerk = factory.headers(users["clerk"])
    order = await repair_order(factory, owner=users["clerk"])
    first, second = await factory.vendor(), await factory.vendor()

    created = await client.post(
        API, json={"repair_order_id": str(order.id), "vendor_id": str(first.id)}, headers=clerk
    )
    assert created.status_code == 201, created.text
    attempt = created.json()
    assert (attempt["attempt"], attempt["status"]) == (1, "planned")
    assert attempt["vendor"] == {"id": str(first.id), "name": first.name}
    assert attempt["allowed_actions"] == ["contact", "cancel"]
    assert (await load_order(factory, order.id)).status == RepairOrderStatus.external

    attempt = await _step(client, clerk, attempt, "contact", CONTACT)
    assert attempt["contact"]["person"] == "Ms. Li"
    attempt = await _step(client, clerk, attempt, "send", send_body(vendor_rma_no="RMA-9"))
    assert attempt["status"] == "at_vendor"
    assert attempt["pickup_receipt_no"] == "PR-001"
    assert attempt["next_follow_up_at"] is not None
    attempt = await _step(client, clerk, attempt, "follow_up", {"notes": "still waiting"})
    assert [f["notes"] for f in attempt["follow_ups"]] == ["still waiting"]
    assert attempt["follow_ups"][0]["by"]["id"] == str(users["clerk"].id)
    failed = await _step(
        client, clerk, attempt, "receive", {"result": "unrepairable", "vendor_report": "no parts"}
    )
    assert failed["status"] == "unrepairable"
    assert failed["cost"] is None
    assert (await load_order(factory, order.id)).status == RepairOrderStatus.external

    again = await client.post(
        API, json={"repair_order_id": str(order.id), "vendor_id": str(first.id)}, headers=clerk
    )
    assert_problem(again, 409, "conflict")
    created = await client.post(
        API, json={"repair_order_id": str(order.id), "vendor_id": str(second.id)}, headers=clerk
    )
    assert created.status_code == 201, created.text
    attempt = created.json()
    assert attempt["attempt"] == 2
    attempt = await _step(client, clerk, attempt, "contact", CONTACT)
    attempt = await _step(client, clerk, attempt, "send", send_body())
    done = await _step(client, clerk, attempt, "receive", RECEIVE)
    assert (done["status"], done["result"], done["cost"]) == ("returned", "repaired", "1280.50")
    assert (await load_order(factory, order.id)).status == RepairOrderStatus.reinspection

    listed = await client.get(f"/api/v1/repair-orders/{order.id}/external-repairs", headers=clerk)
    assert listed.status_code == 200, listed.text
    assert [a["attempt"] for a in listed.json()["items"]] == [1, 2]
