"""The paths of a repair order over HTTP, and the rule the department cares most about: a device
never reaches `delivered` without a passed re-inspection after its last repair or its return."""

import asyncio
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.db.models import RepairOrder, User
from app.db.session import commit
from app.domain.repair_orders.service import vendor_returned
from tests.conftest import IS_POSTGRES, build_app, client_for
from tests.repair_orders.helpers import Bench
from tests.support import assert_problem


async def _vendor_returns(bench: Bench, order: dict[str, Any], repaired: bool) -> None:
    """Move the order as the external repair's `receive` does (the external helper calls this)."""
    async with bench.factory.sessionmaker() as session:
        row = await session.get(RepairOrder, uuid.UUID(order["id"]))
        actor = await session.get(User, bench.users["clerk"].id)
        assert row is not None and actor is not None
        await vendor_returned(session, actor, row, repaired)
        await commit(session)  # the unit of work's commit, which writes the staged event


async def _cannot_deliver(bench: Bench, order: dict[str, Any], who: str = "supervisor") -> None:
    response = await bench.act(order, "deliver", who)
    assert_problem(response, 409, "invalid_transition")


async def test_the_in_house_path_from_receipt_to_close(bench):
    order = await bench.receive()
    assert order["number"].startswith("RO-") and order["status"] == "received"
    assert order["intake"]["accessories"] == ["power adapter"]
    assert order["owner"]["id"] == str(bench.users["clerk"].id)
    for action, who, status in [
        ("assign", "clerk", "assigned"),
        ("diagnose", "engineer", "diagnosed"),
        ("start_repair", "engineer", "repairing"),
        ("finish_repair", "engineer", "reinspection"),
        ("reinspect", "engineer", "ready"),
        ("deliver", "clerk", "delivered"),
    ]:
        order = await bench.do(order, action, who)
        assert order["status"] == status, action
    assert order["reinspection"]["result"] == "pass"
    assert order["reinspection"]["by"]["id"] == str(bench.users["engineer"].id)
    assert order["delivery"]["method"] == "pickup" and order["delivery"]["to"] == "Li Lei"
    order = await bench.do(order, "confirm", "customer", None)
    assert order["confirmation"]["channel"] == "portal"
    order = await bench.do(order, "close", "clerk", None)
    assert order["status"] == "closed" and order["closed_at"]
    actions = [e["action"] for e in await bench.events(order)]
    assert actions[0] == "created" and actions[-1] == "close"


async def test_a_failed_reinspection_loops_back_to_repairing_and_blocks_delivery(bench):
    order = await bench.order_in("reinspection")
    for _ in range(2):
        await _cannot_deliver(bench, order)
        order = await bench.do(order, "reinspect", "engineer", {"result": "fail", "notes": "x"})
        assert order["status"] == "repairing"
        await _cannot_deliver(bench, order)
        order = await bench.do(order, "finish_repair", "engineer")
    await _cannot_deliver(bench, order)
    order = await bench.do(order, "reinspect", "engineer")
    assert (await bench.do(order, "deliver"))["status"] == "delivered"


async def test_a_vendor_return_is_reinspected_before_delivery(bench):
    order = await bench.order_in("external")
    assert order["route"] == "external"
    await _cannot_deliver(bench, order)
    await _vendor_returns(bench, order, repaired=True)
    order = await bench.get(order)
    assert order["status"] == "reinspection"
    await _cannot_deliver(bench, order)
    order = await bench.do(order, "reinspect", "engineer", {"result": "fail", "notes": "dead"})
    assert order["status"] == "repairing"
    order = await bench.do(order, "finish_repair", "engineer")
    order = await bench.do(order, "reinspect", "engineer")
    assert (await bench.do(order, "deliver"))["status"] == "delivered"
    returned = [e for e in await bench.events(order) if e["action"] == "vendor_returned"]
    assert returned[0]["from_status"] == "external" and returned[0]["to_status"] == "reinspection"


async def test_an_unrepairable_vendor_return_leaves_the_order_external(bench):
    order = await bench.order_in("external")
    await _vendor_returns(bench, order, repaired=False)
    after = await bench.get(order)
    assert after["status"] == "external"
    events = [e for e in await bench.events(order) if e["action"] == "vendor_returned"]
    assert events[0]["changes"] == {"repaired": False}


async def test_vendor_returned_refuses_an_order_not_at_a_vendor(bench):
    order = await bench.order_in("repairing")
    with pytest.raises(Exception, match="not at an outside station"):
        await _vendor_returns(bench, order, repaired=True)


async def test_the_return_unrepaired_path_still_goes_through_reinspection(bench):
    order = await bench.order_in("external")
    order = await bench.do(order, "return_unrepaired", "supervisor")
    assert order["status"] == "reinspection" and order["return_reason"]
    assert order["outcome"] == "unrepairable"
    await _cannot_deliver(bench, order)
    order = await bench.do(order, "reinspect", "engineer")
    order = await bench.do(order, "deliver")
    order = await bench.do(order, "confirm")
    refused = await bench.act(order, "close", "clerk", None)
    assert_problem(refused, 422, "validation_error")  # no repair summary yet
    order = await bench.do(order, "close", "clerk", {"repair_summary": "returned unrepaired"})
    assert order["status"] == "closed" and order["repair_summary"] == "returned unrepaired"


@pytest.mark.parametrize("state", ["received", "assigned", "diagnosed", "repairing", "external"])
async def test_nobody_delivers_before_reinspection_not_even_a_supervisor(bench, state):
    order = await bench.order_in(state)
    for who in ("supervisor", "clerk"):
        await _cannot_deliver(bench, order, who)
    assert "deliver" not in (await bench.get(order, "supervisor"))["allowed_actions"]


async def test_escalating_a_repair_proposes_a_linked_case_once(bench):
    order = await bench.order_in("repairing")
    response = await bench.act(order, "escalate", "engineer")
    assert response.status_code == 201, response.text
    case = response.json()
    assert (case["status"], case["source"]["type"], case["source"]["id"]) == (
        "proposed",
        "repair_order",
        order["id"],
    )
    seen = await bench.get(order, "clerk")
    assert (seen["status"], seen["case"]["id"]) == ("repairing", case["id"])
    assert "case" not in await bench.get(order, "customer")
    again = await bench.act(order, "escalate", "clerk")
    assert_problem(again, 409, "conflict")


# --- the warranty decision ---------------------------------------------------------------


async def _diagnosed_with(bench, warranty_until, received_at=None, **diagnosis) -> Any:
    customer = await bench.factory.customer()
    bench.users = {**bench.users, "customer": await bench.factory.user("customer", customer)}
    device = await bench.factory.device(customer, warranty_until=warranty_until)
    order = await bench.receive(customer_id=customer.id, device_id=device.id)
    if received_at is not None:
        async with bench.factory.sessionmaker() as session:
            row = await session.get(RepairOrder, uuid.UUID(order["id"]))
            row.received_at = received_at
            await session.commit()
    order = await bench.do(order, "assign")
    body = {"diagnosis": "dead board", "route": "in_house", **diagnosis}
    return await bench.act(order, "diagnose", "engineer", body)


def _shanghai_today() -> date:
    return (datetime.now(UTC) + timedelta(hours=8)).date()


@pytest.mark.parametrize(("days", "in_warranty"), [(0, True), (5, True), (-1, False)])
async def test_warranty_is_decided_on_both_sides_of_the_expiry_date(bench, days, in_warranty):
    response = await _diagnosed_with(bench, _shanghai_today() + timedelta(days=days))
    assert response.status_code == 200, response.text
    warranty = response.json()["warranty"]
    assert warranty["in_warranty"] is in_warranty
    assert warranty["basis"] and warranty["decided_at"]
    assert warranty["received_on"] == _shanghai_today().isoformat()


@pytest.mark.parametrize(
    ("received_at", "in_warranty"),
    [
        (datetime(2026, 6, 30, 15, 59, tzinfo=UTC), True),  # 23:59 on the 30th in Shanghai
        (datetime(2026, 6, 30, 16, 0, tzinfo=UTC), False),  # 00:00 on 1 July in Shanghai
    ],
)
async def test_warranty_follows_the_business_time_zones_midnight(bench, received_at, in_warranty):
    response = await _diagnosed_with(bench, date(2026, 6, 30), received_at)
    assert response.status_code == 200, response.text
    assert response.json()["warranty"]["in_warranty"] is in_warranty


async def test_in_warranty_route_is_refused_for_a_device_out_of_warranty(bench):
    body = {"route": "external", "route_reason": "in_warranty"}
    response = await _diagnosed_with(bench, date(2020, 1, 1), **body)
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "route_reason"
    missing = await _diagnosed_with(bench, date(2020, 1, 1), route="external")
    assert_problem(missing, 422, "validation_error")
    ok = await _diagnosed_with(
        bench, date(2020, 1, 1), route="external", route_reason="beyond_local_capability"
    )
    assert ok.status_code == 200 and ok.json()["route"] == "external"


async def test_a_supervisor_overrides_the_warranty_with_a_reason(bench):
    order = (await _diagnosed_with(bench, date(2020, 1, 1))).json()
    assert order["warranty"]["in_warranty"] is False
    url = f"/api/v1/repair-orders/{order['id']}/warranty-override"
    body = {"in_warranty": True, "reason": "goodwill for a key customer"}
    for who in ("clerk", "engineer"):
        response = await bench.client.post(url, json=body, headers=bench.headers(who))
        assert_problem(response, 403, "forbidden")
    response = await bench.client.post(url, json=body, headers=bench.headers("supervisor"))
    assert response.status_code == 200, response.text
    warranty = response.json()["warranty"]
    assert warranty["in_warranty"] is True
    assert warranty["override_reason"] == body["reason"]
    assert warranty["overridden_by"]["id"] == str(bench.users["supervisor"].id)
    assert response.json()["version"] == order["version"] + 1
    seen = (await bench.get(order, "customer"))["warranty"]
    assert seen["in_warranty"] is True and "override_reason" not in seen
    stale = await bench.client.post(
        url, json=body, headers=bench.headers("supervisor", **{"If-Match": '"1"'})
    )
    assert_problem(stale, 412, "precondition_failed")
    listed = await bench.client.get(
        "/api/v1/repair-orders", params={"in_warranty": "true"}, headers=bench.headers()
    )
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    # A part now defaults to the warranty.
    part = await bench.client.post(
        f"/api/v1/repair-orders/{order['id']}/parts", json=_part(), headers=bench.headers()
    )
    assert part.json()["billed_to"] == "warranty"


async def test_the_override_is_refused_before_diagnosis(bench):
    order = await bench.order_in("assigned")
    response = await bench.client.post(
        f"/api/v1/repair-orders/{order['id']}/warranty-override",
        json={"in_warranty": True, "reason": "x"},
        headers=bench.headers("supervisor"),
    )
    assert_problem(response, 409, "conflict")


# --- parts ------------------------------------------------------------------------------------


def _part(**fields: Any) -> dict[str, Any]:
    return {
        "part_number": "CAP-100",
        "description": "capacitor",
        "quantity": 2,
        "faulty_serial": "F1",
        "replacement_serial": "R1",
        "unit_cost": "12.50",
        **fields,
    }


async def test_parts_with_each_billed_to_and_their_totals(bench):
    response = await _diagnosed_with(bench, date(2020, 1, 1))  # out of warranty
    order = response.json()
    url = f"/api/v1/repair-orders/{order['id']}/parts"
    default = await bench.client.post(url, json=_part(), headers=bench.headers("engineer"))
    assert default.status_code == 201, default.text
    assert default.json()["billed_to"] == "customer"
    assert default.json()["line_total"] == "25.00"
    for billed_to, cost in (("warranty", "100.00"), ("vendor", "7.30")):
        body = _part(billed_to=billed_to, unit_cost=cost, quantity=1)
        created = await bench.client.post(url, json=body, headers=bench.headers("clerk"))
        assert created.status_code == 201 and created.json()["billed_to"] == billed_to
    staff = await bench.get(order)
    assert len(staff["parts"]) == 3
    assert staff["parts_total"] == {"customer": "25.00", "warranty": "100.00", "vendor": "7.30"}
    mine = await bench.get(order, "customer")
    assert [p["billed_to"] for p in mine["parts"]] == ["customer"]
    assert mine["parts_total"] == {"customer": "25.00"}
    assert "added_by_id" not in mine["parts"][0]
    timeline = await bench.events(order, "customer")
    parts_seen = [e for e in timeline if e["action"] == "part_added"]
    assert [e["changes"]["billed_to"] for e in parts_seen] == ["customer"]


async def test_parts_only_by_the_assignee_or_the_office_and_while_in_repair(bench, factory):
    order = await bench.order_in("repairing")
    url = f"/api/v1/repair-orders/{order['id']}/parts"
    other = await factory.user("engineer")
    assert_problem(
        await bench.client.post(url, json=_part(), headers=factory.headers(other)), 404, "not_found"
    )
    assert_problem(
        await bench.client.post(url, json=_part(), headers=bench.headers("customer")),
        403,
        "forbidden",
    )
    received = await bench.receive()
    early = await bench.client.post(
        f"/api/v1/repair-orders/{received['id']}/parts", json=_part(), headers=bench.headers()
    )
    assert_problem(early, 409, "conflict")


@pytest.mark.parametrize(
    "bad",
    [
        {"quantity": 0},
        {"quantity": "2"},
        {"unit_cost": "-1"},
        {"unit_cost": "1.234"},
        {"billed_to": "nobody"},
        {"part_number": ""},
        {"surprise": 1},
    ],
)
async def test_a_bad_part_is_422(bench, bad):
    order = await bench.order_in("repairing")
    response = await bench.client.post(
        f"/api/v1/repair-orders/{order['id']}/parts", json=_part(**bad), headers=bench.headers()
    )
    assert_problem(response, 422, "validation_error")
    assert (await bench.get(order))["parts"] == []


# --- concurrency ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def racing_app(engine):
    return build_app(engine)


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks race only on PostgreSQL")
async def test_twenty_deliveries_at_once_exactly_one_wins(racing_app, factory, users, bench):
    order = await bench.order_in("ready")
    async with client_for(racing_app) as client:
        racing = Bench(client, factory, bench.users)
        responses = await asyncio.gather(*(racing.act(order, "deliver") for _ in range(20)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 409}, [r.text for r in responses if r.status_code != 200]
    after = await bench.get(order)
    assert (after["status"], after["version"]) == ("delivered", order["version"] + 1)
    assert sum(e["action"] == "deliver" for e in await bench.events(order)) == 1
