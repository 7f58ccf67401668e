"""The two processes of SPEC §1, from the first call to closed, with four different users."""

import hashlib

from tests.service_orders.helpers import API, act, order_body, png_data_url


async def test_remote_service_from_call_to_closed(client, factory, users):
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    customer_user = users["customer"]
    customer = factory.headers(customer_user)
    supervisor = factory.headers(users["supervisor"])

    created = await client.post(
        API, json=order_body(customer_user.customer_id, contact_name="Zhao"), headers=clerk
    )
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["number"].startswith("SO-") and order["status"] == "new"
    assert order["owner_id"] == str(users["clerk"].id)
    assert order["due_at"] and order["sla"]["response_due_at"]
    assert order["sla"]["state"] == "ok"
    assert set(order["allowed_actions"]) == {"assign", "hold", "cancel", "escalate"} - {"hold"}
    oid = order["id"]

    r = await act(client, clerk, oid, "assign", {"assignee_id": str(users["engineer"].id)})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "assigned"
    mine = await client.get("/api/v1/users/me/work", headers=engineer)
    assert [i["order"]["id"] for i in mine.json()["items"]] == [oid]

    r = await act(client, engineer, oid, "start")
    assert r.json()["status"] == "in_progress"
    assert r.json()["responded_at"]

    rec = await client.post(
        f"{API}/{oid}/records",
        json={"kind": "communication", "channel": "phone", "body": "Called the customer"},
        headers=engineer,
    )
    assert rec.status_code == 201, rec.text
    note = await client.post(
        f"{API}/{oid}/records",
        json={"kind": "internal", "body": "Toner supplier slow"},
        headers=engineer,
    )
    assert note.status_code == 201

    r = await act(client, engineer, oid, "report", {"resolution": "Cleaned the rollers"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "reported"

    r = await act(client, customer, oid, "reopen", {"reason": "Still jams"})
    assert r.json()["status"] == "in_progress", r.text
    r = await act(client, engineer, oid, "report", {"resolution": "Replaced the roller"})
    assert r.json()["status"] == "reported"

    r = await act(client, clerk, oid, "confirm", {"channel": "phone"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed"
    assert r.json()["confirmation"]["channel"] == "phone"

    r = await act(client, supervisor, oid, "close")
    assert r.json()["status"] == "closed" and r.json()["closed_at"]
    assert r.json()["allowed_actions"] == []

    notes = await client.get("/api/v1/notifications", headers=customer)
    assert [n["kind"] for n in notes.json()["items"]] == ["completion_notice"]

    staff_timeline = (await client.get(f"{API}/{oid}/timeline", headers=clerk)).json()["items"]
    actions = [e["action"] for e in staff_timeline if e["type"] == "event"]
    assert actions == [
        "created",
        "assign",
        "start",
        "report",
        "reopen",
        "report",
        "confirm",
        "close",
    ]
    bodies = [e["record"]["body"] for e in staff_timeline if e["type"] == "record"]
    assert bodies == ["Called the customer", "Toner supplier slow"]
    public = (await client.get(f"{API}/{oid}/timeline", headers=customer)).json()["items"]
    assert [e["record"]["body"] for e in public if e["type"] == "record"] == ["Called the customer"]


async def test_onsite_service_signed_by_the_customer(client, factory, users):
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    customer_id = users["customer"].customer_id
    created = await client.post(API, json=order_body(customer_id, kind="onsite"), headers=clerk)
    assert created.status_code == 201, created.text
    oid = created.json()["id"]
    assert (
        await act(client, clerk, oid, "assign", {"assignee_id": str(users["engineer"].id)})
    ).status_code == 200
    assert (await act(client, engineer, oid, "start")).status_code == 200
    record = "Replaced fuser unit; tested 20 pages."
    missing = await act(client, engineer, oid, "report", {"resolution": "Fixed"})
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"service_record", "signoff"}
    r = await act(
        client,
        engineer,
        oid,
        "report",
        {
            "resolution": "Fixed",
            "service_record": record,
            "signoff": {"signer_name": "Zhao Min", "signature": png_data_url()},
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "confirmed"
    assert body["signoff"]["record_sha256"] == hashlib.sha256(record.encode()).hexdigest()
    assert body["signoff"]["record_matches"] is True
    assert body["signoff"]["signature"] == png_data_url()
    listed = await client.get(API, headers=clerk)
    assert listed.json()["items"][0]["signoff"]["signature"] is None
    customer = factory.headers(users["customer"])
    seen = await client.get(f"{API}/{oid}", headers=customer)
    assert seen.json()["signoff"]["signer_name"] == "Zhao Min"
    assert seen.json()["allowed_actions"] == []
    closed = await act(client, factory.headers(users["supervisor"]), oid, "close")
    assert closed.json()["status"] == "closed"
    notes = await client.get("/api/v1/notifications", headers=customer)
    assert [n["kind"] for n in notes.json()["items"]] == ["completion_notice"]
    public = (await client.get(f"{API}/{oid}/timeline", headers=customer)).json()["items"]
    assert [e["action"] for e in public] == ["created", "assign", "start", "report", "close"]
