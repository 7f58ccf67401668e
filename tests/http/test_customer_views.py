"""What a customer gets from every read it may make: the exact set of fields (issue 10).

A customer's view leaves out internal working data (the hold reason, the SLA clocks, the ERP
key, the event feed position) and names staff by display summary, never by email.
"""

import pytest

from tests.service_orders.helpers import API, act, order_body
from tests.support import assert_problem

SUMMARY = {"id", "name", "role"}
CUSTOMER = {
    "id", "code", "name", "contact_name", "phone", "email", "address",
    "version", "created_at", "updated_at", "allowed_actions",
}  # fmt: skip
DEVICE = {
    "id", "customer_id", "serial_number", "model", "configuration", "purchased_at",
    "warranty_until", "version", "created_at", "updated_at", "allowed_actions",
}  # fmt: skip
WARRANTY = {"device_id", "on", "warranty_until", "in_warranty", "days_remaining", "basis"}
ORDER = {
    "id", "number", "kind", "channel", "customer_id", "device_id", "contact_name",
    "contact_phone", "subject", "description", "priority", "status", "owner_id", "owner",
    "assignee_id", "assignee", "appointment_start", "appointment_end", "due_at",
    "responded_at", "reported_at", "overdue", "resolution", "service_record", "signoff",
    "confirmation", "hold_message", "cancel_reason", "closed_at", "version", "created_at",
    "updated_at", "allowed_actions",
}  # fmt: skip
STAFF_ONLY_ORDER = {"sla", "hold_reason", "external_ref", "case"}
ENTRY = {
    "type", "at", "actor_id", "actor", "action", "from_status", "to_status", "changes", "people",
    "record",
}  # fmt: skip
RECORD = {
    "id", "object_type", "object_id", "kind", "channel", "body", "author_id", "author",
    "created_at",
}  # fmt: skip
NOTIFICATION = {"id", "kind", "title", "body", "object_type", "object_id", "created_at", "read_at"}
ME = {
    "id", "email", "name", "role", "customer_id", "active", "service_account", "last_login_at",
    "authority_level", "version", "created_at", "updated_at", "allowed_actions",
}  # fmt: skip
HOLD_REASON = "Customer owes us for the last repair"
HOLD_MESSAGE = "We are waiting for a spare part"


@pytest.fixture
async def scene(client, factory, users):
    """A customer company with a device and an order that the office assigned, that the
    engineer started, wrote about, and put on hold (an internal reason, a message for the
    customer)."""
    me = users["customer"]
    company = me.customer_id
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    device = await client.post(
        "/api/v1/devices",
        json={
            "customer_id": str(company),
            "serial_number": "SN-VIEW",
            "model": "M1",
            "external_ref": "ERP-DEV-1",
        },
        headers=clerk,
    )
    assert device.status_code == 201, device.text
    created = await client.post(
        API,
        json=order_body(company, device_id=device.json()["id"], external_ref="ERP-SO-1"),
        headers=clerk,
    )
    order_id = created.json()["id"]
    await act(client, clerk, order_id, "assign", {"assignee_id": str(users["engineer"].id)})
    await act(client, engineer, order_id, "start")
    for kind, body in (("communication", "Called the customer"), ("internal", "Grumpy")):
        await client.post(
            f"{API}/{order_id}/records", json={"kind": kind, "body": body}, headers=engineer
        )
    held = await act(
        client,
        engineer,
        order_id,
        "hold",
        {"reason": HOLD_REASON, "customer_message": HOLD_MESSAGE},
    )
    assert held.status_code == 200, held.text
    return {
        "me": factory.headers(me),
        "company": str(company),
        "device": device.json()["id"],
        "order": order_id,
    }


def _no_staff_secrets(response, users):
    for role in ("clerk", "engineer", "supervisor"):
        assert users[role].email not in response.text
    assert "ERP-" not in response.text
    assert HOLD_REASON not in response.text


async def test_customer_record_fields(client, scene, users):
    one = await client.get(f"/api/v1/customers/{scene['company']}", headers=scene["me"])
    listed = await client.get("/api/v1/customers", headers=scene["me"])
    assert set(one.json()) == CUSTOMER
    assert [set(c) for c in listed.json()["items"]] == [CUSTOMER]


async def test_device_fields(client, scene, users):
    one = await client.get(f"/api/v1/devices/{scene['device']}", headers=scene["me"])
    listed = await client.get("/api/v1/devices", headers=scene["me"])
    warranty = await client.get(f"/api/v1/devices/{scene['device']}/warranty", headers=scene["me"])
    assert set(one.json()) == DEVICE
    assert [set(d) for d in listed.json()["items"]] == [DEVICE]
    assert set(warranty.json()) == WARRANTY
    for response in (one, listed):
        _no_staff_secrets(response, users)


async def test_service_order_fields_in_get_list_and_action_answers(client, factory, scene, users):
    one = await client.get(f"{API}/{scene['order']}", headers=scene["me"])
    listed = await client.get(API, headers=scene["me"])
    record = await client.post(
        f"{API}/{scene['order']}/records",
        json={"kind": "communication", "body": "Thanks"},
        headers=scene["me"],
    )
    assert record.status_code == 201, record.text

    order = one.json()
    assert set(order) == ORDER
    assert [set(o) for o in listed.json()["items"]] == [ORDER]
    assert order["hold_message"] == HOLD_MESSAGE
    assert set(order["owner"]) == SUMMARY and set(order["assignee"]) == SUMMARY
    assert order["assignee"] == {
        "id": str(users["engineer"].id),
        "name": users["engineer"].name,
        "role": "engineer",
    }
    assert set(record.json()) == RECORD
    for response in (one, listed, record):
        _no_staff_secrets(response, users)


async def test_staff_get_the_internal_fields(client, factory, scene, users):
    order = await client.get(f"{API}/{scene['order']}", headers=factory.headers(users["clerk"]))
    body = order.json()
    assert set(body) == ORDER | STAFF_ONLY_ORDER
    assert body["hold_reason"] == HOLD_REASON
    assert body["external_ref"] == "ERP-SO-1"
    assert body["sla"]["state"] == "ok"


async def test_a_confirmed_order_names_who_confirmed_it(client, factory, scene, users):
    engineer = factory.headers(users["engineer"])
    await act(client, engineer, scene["order"], "resume")
    await act(client, engineer, scene["order"], "report", {"resolution": "Fixed"})
    confirmed = await act(client, scene["me"], scene["order"], "confirm")

    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert set(body) == ORDER
    assert set(body["confirmation"]) == {"at", "by", "confirmed_by", "channel"}
    me = users["customer"]
    assert body["confirmation"]["confirmed_by"] == {"id": str(me.id), "name": me.name, "role": None}


async def test_timeline_entry_fields_and_what_they_say(client, scene, users):
    response = await client.get(f"{API}/{scene['order']}/timeline", headers=scene["me"])

    entries = response.json()["items"]
    assert {frozenset(e) for e in entries} == {frozenset(ENTRY)}
    assert [e["action"] or e["record"]["body"] for e in entries] == [
        "created",
        "assign",
        "start",
        "Called the customer",
        "hold",
    ]
    assert set(entries[3]["record"]) == RECORD
    assert all(set(e["actor"]) == SUMMARY for e in entries)
    created, assign, _, _, hold = entries
    assert "external_ref" not in created["changes"]
    assert assign["changes"] == {"assignee_id": [None, str(users["engineer"].id)]}
    engineer = users["engineer"]
    assert assign["people"] == [{"id": str(engineer.id), "name": engineer.name, "role": "engineer"}]
    assert hold["changes"] == {"customer_message": HOLD_MESSAGE}
    _no_staff_secrets(response, users)
    assert "Grumpy" not in response.text


async def test_records_list_fields(client, scene, users):
    response = await client.get(f"{API}/{scene['order']}/records", headers=scene["me"])
    assert [r["body"] for r in response.json()["items"]] == ["Called the customer"]
    assert [set(r) for r in response.json()["items"]] == [RECORD]
    _no_staff_secrets(response, users)


async def test_notification_fields(client, factory, scene, users):
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    await act(client, engineer, scene["order"], "resume")
    await act(client, engineer, scene["order"], "report", {"resolution": "Fixed"})
    await act(client, clerk, scene["order"], "confirm", {"channel": "phone"})
    assert (await act(client, clerk, scene["order"], "close")).status_code == 200

    response = await client.get("/api/v1/notifications", headers=scene["me"])

    [notice] = response.json()["items"]
    assert notice["kind"] == "completion_notice"
    assert set(notice) == NOTIFICATION
    _no_staff_secrets(response, users)


async def test_users_me_fields(client, scene, users):
    response = await client.get("/api/v1/users/me", headers=scene["me"])
    assert set(response.json()) == ME
    assert response.json()["email"] == users["customer"].email


async def test_my_work_is_closed_to_customers(client, scene):
    assert_problem(await client.get("/api/v1/users/me/work", headers=scene["me"]), 403)
