"""The issues' "done means" stories, walked end to end through the HTTP API only (the one
exception: time passing, which the test moves by setting a stored date)."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update

from app.db.models import ExternalRepair

API = "/api/v1"


async def _post(client: Any, headers: Any, path: str, body: Any = None, status: int = 200) -> Any:
    response = await client.post(f"{API}{path}", json=body, headers=headers)
    assert response.status_code == status, (path, response.text)
    return response.json()


async def _get(client: Any, headers: Any, path: str, **params: Any) -> Any:
    response = await client.get(f"{API}{path}", params=params, headers=headers)
    assert response.status_code == 200, (path, response.text)
    return response.json()


async def test_a_device_through_two_stations_and_back_only_after_reinspection(
    client, factory, users, sessionmaker
):
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    customer = factory.headers(users["customer"])
    first, second = await factory.vendor(), await factory.vendor()

    # The clerk takes in a faulty device the department has never seen, still under warranty.
    order = await _post(
        client,
        clerk,
        "/repair-orders",
        {
            "customer_id": str(users["customer"].customer_id),
            "device": {
                "serial_number": f"SN-{uuid.uuid4().hex[:8]}",
                "model": "Plotter P7",
                "warranty_until": (date.today() + timedelta(days=200)).isoformat(),
            },
            "fault_description": "paper feed grinds, then stops",
            "intake": {
                "appearance": "scratch on the left cover",
                "configuration": "512 MB, network card",
                "accessories": ["power cord", "tray"],
            },
        },
        status=201,
    )
    ro = f"/repair-orders/{order['id']}"
    await _post(client, clerk, f"{ro}/assign", {"assignee_id": str(users["engineer"].id)})
    diagnosed = await _post(
        client,
        engineer,
        f"{ro}/diagnose",
        {"diagnosis": "feed motor", "route": "external", "route_reason": "in_warranty"},
    )
    assert diagnosed["warranty"]["in_warranty"] is True  # decided by the server

    # The first station: contacted before anything is sent, then it cannot repair it.
    await _post(client, clerk, f"{ro}/send_out", {"vendor_id": str(first.id)})
    [attempt] = (await _get(client, clerk, f"{ro}/external-repairs"))["items"]
    er = f"/external-repairs/{attempt['id']}"
    send = {"pickup_receipt_no": "PR-1", "follow_up_every_days": 2}
    send["expected_back_at"] = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    await _post(client, clerk, f"{er}/send", send, status=409)  # not contacted yet
    await _post(
        client,
        clerk,
        f"{er}/contact",
        {"person": "Ms Li", "channel": "phone", "notes": "will take it"},
    )
    await _post(client, clerk, f"{er}/send", send)

    # Time passes: the unit is late and shows on the clerk's chase list.
    async with sessionmaker() as session:
        await session.execute(
            update(ExternalRepair)
            .where(ExternalRepair.id == uuid.UUID(attempt["id"]))
            .values(expected_back_at=datetime.now(UTC) - timedelta(days=1))
        )
        await session.commit()
    late = await _get(client, clerk, "/external-repairs", overdue="true")
    assert [a["id"] for a in late["items"]] == [attempt["id"]]

    await _post(
        client, clerk, f"{er}/receive", {"result": "unrepairable", "vendor_report": "no parts"}
    )
    assert (await _get(client, clerk, ro))["status"] == "external"

    # The second station: the first is refused, the second repairs it.
    again = {"repair_order_id": order["id"], "vendor_id": str(first.id)}
    await _post(client, clerk, "/external-repairs", again, status=409)
    retry = await _post(
        client,
        clerk,
        "/external-repairs",
        {"repair_order_id": order["id"], "vendor_id": str(second.id)},
        status=201,
    )
    er = f"/external-repairs/{retry['id']}"
    await _post(
        client,
        clerk,
        f"{er}/contact",
        {"person": "Mr Wu", "channel": "email", "notes": "pick up Monday"},
    )
    await _post(client, clerk, f"{er}/send", {**send, "pickup_receipt_no": "PR-2"})
    await _post(
        client,
        clerk,
        f"{er}/receive",
        {"result": "repaired", "vendor_report": "new motor", "cost": "120.50"},
    )

    # Back in house: no delivery before the re-inspection passes.
    assert (await _get(client, clerk, ro))["status"] == "reinspection"
    await _post(client, clerk, f"{ro}/deliver", {"to": "Li Lei", "method": "pickup"}, status=409)
    part = {"part_number": "M-77", "description": "feed motor", "quantity": 1, "unit_cost": "80.00"}
    added = await _post(client, engineer, f"{ro}/parts", part, status=201)
    assert added["billed_to"] == "warranty"  # from the warranty decision
    await _post(client, engineer, f"{ro}/reinspect", {"result": "pass", "notes": "feeds 100 pages"})
    await _post(client, clerk, f"{ro}/deliver", {"to": "Li Lei", "method": "pickup"})
    await _post(client, customer, f"{ro}/confirm", {})
    closed = await _post(
        client, clerk, f"{ro}/close", {"repair_summary": "motor replaced by a station"}
    )
    assert closed["status"] == "closed"

    # The whole story is in the timeline; the customer's view hides the stations.
    story = await _get(client, clerk, f"{ro}/timeline", limit=100)
    actions = [e["action"] for e in story["items"]]
    for step in ("created", "assign", "diagnose", "send_out", "vendor_returned", "reinspect"):
        assert step in actions, (step, actions)
    assert actions.index("vendor_returned") < actions.index("reinspect") < actions.index("deliver")
    seen = str(await _get(client, customer, ro)) + str(
        await _get(client, customer, f"{ro}/timeline", limit=100)
    )
    assert first.name not in seen and second.name not in seen and "120.50" not in seen
    hidden = await client.get(f"{API}{er}", headers=customer)
    assert hidden.status_code == 404


async def _closed_repair(client: Any, users: Any, factory: Any) -> dict[str, Any]:
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    order = await _post(
        client,
        clerk,
        "/repair-orders",
        {
            "customer_id": str(users["customer"].customer_id),
            "device": {"serial_number": f"SN-{uuid.uuid4().hex[:8]}", "model": "Scanner S2"},
            "fault_description": "lamp flickers",
            "intake": {"appearance": "clean", "configuration": "standard", "accessories": []},
        },
        status=201,
    )
    ro = f"/repair-orders/{order['id']}"
    await _post(client, clerk, f"{ro}/assign", {"assignee_id": str(users["engineer"].id)})
    await _post(client, engineer, f"{ro}/diagnose", {"diagnosis": "lamp", "route": "in_house"})
    await _post(client, engineer, f"{ro}/start_repair", {})
    await _post(
        client, engineer, f"{ro}/finish_repair", {"outcome": "repaired", "summary": "new lamp"}
    )
    await _post(client, engineer, f"{ro}/reinspect", {"result": "pass", "notes": "steady"})
    await _post(client, clerk, f"{ro}/deliver", {"to": "Han Mei", "method": "courier"})
    await _post(client, clerk, f"{ro}/confirm", {"channel": "phone"})
    return dict(await _post(client, clerk, f"{ro}/close", {}))


async def test_a_bad_callback_becomes_a_complaint_and_then_an_escalated_case(
    client, factory, users
):
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    supervisor, customer = factory.headers(users["supervisor"]), factory.headers(users["customer"])
    order = await _closed_repair(client, users, factory)

    # The callback: planned for the closed order, and a detractor answer with a complaint.
    now = datetime.now(UTC)
    window = {"closed_from": (now - timedelta(hours=1)).isoformat()}
    window["closed_to"] = (now + timedelta(hours=1)).isoformat()
    batch = await _post(client, clerk, "/visits/plan-batch", {**window, "method": "phone"})
    assert batch == {"planned": 1, "skipped": 0}
    [visit] = (await _get(client, clerk, "/visits"))["items"]
    assert visit["repair_order_ids"] == [order["id"]]
    answer = {
        "reached": True,
        "feedback": "the lamp flickers again",
        "scores": {"overall": 2, "response_speed": 3, "professionalism": 3, "attitude": 4},
        "nps": 4,
        "complaint": {"description": "the same fault came back", "severity": "high"},
    }
    recorded = await _post(client, clerk, f"/visits/{visit['id']}/record", answer)
    assert recorded["nps_category"] == "detractor"
    complaint_id = recorded["complaint_id"]

    # The complaint nobody retyped: it carries the visit and the order.
    cp = f"/complaints/{complaint_id}"
    complaint = await _get(client, clerk, cp)
    assert (complaint["source"], complaint["visit_id"]) == ("callback", visit["id"])
    assert complaint["repair_order_id"] == order["id"]
    assess = {"authentic": True, "reasonable": True, "accepted": True}
    await _post(client, clerk, f"{cp}/assess", assess)
    analysis = {
        "cause_analysis": "a batch of faulty lamps",
        "handler_id": str(users["engineer"].id),
    }
    await _post(client, clerk, f"{cp}/analyze", analysis)

    # Beyond its handler: a difficult case, confirmed, assigned, escalated to a supervisor.
    case = await _post(
        client,
        clerk,
        "/cases",
        {
            "source_type": "complaint",
            "source_id": complaint_id,
            "criteria": ["repeat_failure", "beyond_authority"],
            "summary": "faulty lamp batch across customers",
        },
        status=201,
    )
    cs = f"/cases/{case['id']}"
    await _post(client, supervisor, f"{cs}/confirm", {})
    await _post(client, clerk, f"{cs}/assign", {"handler_id": str(users["engineer"].id)})
    up = {"reason": "needs a recall decision", "to_user_id": str(users["supervisor"].id)}
    escalated = await _post(client, engineer, f"{cs}/escalate", up)
    assert escalated["level"] == 2
    assert [(e["to"]["id"], e["reason"]) for e in escalated["escalations"]] == [
        (str(users["supervisor"].id), "needs a recall decision")
    ]
    assert (await client.get(f"{API}{cs}", headers=customer)).status_code == 404

    # Every step is in the timelines.
    for path, expected in (
        (f"/visits/{visit['id']}/timeline", ["created", "record"]),
        (f"{cp}/timeline", ["created", "assess", "analyze"]),
        (f"{cs}/timeline", ["created", "confirm", "assign", "escalate"]),
    ):
        actions = [e["action"] for e in (await _get(client, clerk, path, limit=100))["items"]]
        assert actions[: len(expected)] == expected, (path, actions)
