"""What each service-order action does beyond moving the state (SPEC §4.1): the fields it sets,
what its event records, who is told. Which role may take which action in which state, and the
one event / one version per action, are the oracle's (test_workflow_oracle.py)."""

import pytest

from tests.service_orders.desk import Desk, assert_unchanged, signoff
from tests.service_orders.helpers import API
from tests.support import assert_problem

# What the (new) assignee may do after a re-assign.
ASSIGNEE_MAY = {
    "assigned": {"start", "hold", "escalate"},
    "in_progress": {"hold", "report", "escalate"},
    "on_hold": {"resume", "escalate"},
}


async def test_another_engineer_on_an_assigned_order_has_no_actions(desk, factory):
    order = await desk.order_in("assigned")
    other = await factory.user("engineer")
    await desk.do(order, "assign", body={"assignee_id": str(other.id)})
    # users["engineer"] never acted on it, so it is out of sight once re-assigned.
    gone = await desk.client.get(f"{API}/{order['id']}", headers=desk.headers())
    assert gone.status_code == 200
    assert (
        await desk.client.get(f"{API}/{order['id']}", headers=desk.headers("engineer"))
    ).status_code == 404
    assert set((await desk.get(order, other))["allowed_actions"]) == {"start", "hold", "escalate"}


async def _last_event(desk: Desk, order: dict, count_before: int) -> dict:
    events = await desk.events(order)
    assert len(events) == count_before + 1, events
    return events[-1]


async def test_assign_moves_new_to_assigned_and_writes_one_event(desk, users):
    order = await desk.create()
    assert order["assignee_id"] is None
    after = await desk.do(order, "assign", "supervisor")
    assert after["status"] == "assigned"
    assert after["assignee_id"] == str(users["engineer"].id)
    assert after["owner_id"] == str(users["clerk"].id)  # the first receiver stays the owner
    assert after["version"] == order["version"] + 1
    event = await _last_event(desk, order, 1)
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "assign",
        "new",
        "assigned",
    )
    assert event["actor_id"] == str(users["supervisor"].id)
    assert event["changes"]["assignee_id"] == [None, str(users["engineer"].id)]
    assert "forced" not in event["changes"]


async def test_assigned_engineer_is_notified(desk, users):
    order = await desk.create()
    await desk.do(order, "assign")
    notes = await desk.client.get("/api/v1/notifications", headers=desk.headers("engineer"))
    assert [n["kind"] for n in notes.json()["items"]] == ["order_assigned"]


async def test_reassign_keeps_the_state(desk, factory):
    for state in ("assigned", "in_progress", "on_hold"):
        order = await desk.order_in(state)
        other = await factory.user("engineer")
        count = len(await desk.events(order))
        after = await desk.do(order, "assign", body={"assignee_id": str(other.id)})
        assert (after["status"], after["assignee_id"]) == (state, str(other.id))
        event = await _last_event(desk, order, count)
        assert (event["from_status"], event["to_status"]) == (state, state)
        # The new assignee may act; the former one may not (it still reads what it worked on).
        expected = ASSIGNEE_MAY[state]
        assert set((await desk.get(order, other))["allowed_actions"]) == expected, state
        if state != "assigned":
            assert (await desk.get(order, "engineer"))["allowed_actions"] == []


async def test_assign_needs_an_active_engineer(desk, factory, users):
    order = await desk.create()
    inactive = await factory.user("engineer", active=False)
    for name, assignee_id in (
        ("a clerk", users["clerk"].id),
        ("a customer", users["customer"].id),
        ("an inactive engineer", inactive.id),
        ("nobody", "6f0b1f1e-2a7c-4a51-9d4e-3c7b9b2a1d00"),
    ):
        response = await desk.act(order, "assign", body={"assignee_id": str(assignee_id)})
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == "assignee_id", name
    await assert_unchanged(desk, order, 1)


async def test_portal_order_gets_its_owner_at_first_assign(desk, users):
    order = await desk.create(who="customer", channel="portal")
    assert order["owner_id"] is None
    after = await desk.do(order, "assign", "supervisor")
    assert after["owner_id"] == str(users["supervisor"].id)
    again = await desk.do(after, "assign", "clerk")
    assert again["owner_id"] == str(users["supervisor"].id)  # the first one keeps it


async def test_start_sets_responded_at(desk, users):
    order = await desk.order_in("assigned")
    assert order["responded_at"] is None
    after = await desk.do(order, "start", "engineer")
    assert after["status"] == "in_progress"
    assert after["responded_at"] is not None
    event = await _last_event(desk, order, 2)
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "start",
        "assigned",
        "in_progress",
    )
    assert event["actor_id"] == str(users["engineer"].id)


@pytest.mark.parametrize(
    ("held_from", "holder", "resumer"),
    [("assigned", "engineer", "clerk"), ("in_progress", "supervisor", "engineer")],
)
async def test_hold_remembers_the_state_and_resume_returns_to_it(desk, held_from, holder, resumer):
    order = await desk.order_in(held_from)
    count = len(await desk.events(order))
    held = await desk.do(order, "hold", holder, {"reason": "Waiting for parts"})
    assert held["status"] == "on_hold"
    assert held["hold_reason"] == "Waiting for parts"
    assert held["sla"]["paused"] is True
    event = await _last_event(desk, order, count)
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "hold",
        held_from,
        "on_hold",
    )
    assert event["changes"]["reason"] == "Waiting for parts"
    resumed = await desk.do(order, "resume", resumer)
    assert resumed["status"] == held_from
    assert resumed["hold_reason"] is None
    assert resumed["sla"]["paused"] is False
    event = await _last_event(desk, order, count + 1)
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "resume",
        "on_hold",
        held_from,
    )


async def test_report_remote_moves_to_reported(desk, users):
    order = await desk.order_in("in_progress")
    after = await desk.do(order, "report", "engineer", {"resolution": "Cleaned the rollers"})
    assert after["status"] == "reported"
    assert after["resolution"] == "Cleaned the rollers"
    assert after["reported_at"] is not None
    assert after["signoff"] is None and after["confirmation"] is None
    event = await _last_event(desk, order, 3)
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "report",
        "in_progress",
        "reported",
    )
    assert event["changes"]["resolution"] == "Cleaned the rollers"


async def test_report_remote_refuses_a_signoff(desk):
    order = await desk.order_in("in_progress")
    response = await desk.act(
        order, "report", "engineer", {"resolution": "Fixed", "signoff": signoff()}
    )
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "signoff"
    await assert_unchanged(desk, order, 3)


async def test_confirm_by_the_office_records_the_channel(desk, users):
    order = await desk.order_in("reported")
    count = len(await desk.events(order))
    missing = await desk.act(order, "confirm", "clerk", {})
    problem = assert_problem(missing, 422, "validation_error")
    assert problem["errors"][0]["field"] == "channel"
    await assert_unchanged(desk, order, count)
    after = await desk.do(order, "confirm", "clerk", {"channel": "email"})
    assert after["status"] == "confirmed"
    assert after["confirmation"]["channel"] == "email"
    assert after["confirmation"]["by"] == str(users["clerk"].id)
    event = await _last_event(desk, order, count)
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "confirm",
        "reported",
        "confirmed",
    )
    assert event["changes"]["channel"] == "email"


async def test_customer_confirms_through_the_portal(desk, users):
    for body in (None, {}, {"channel": "phone"}):
        order = await desk.order_in("reported")
        after = await desk.do(order, "confirm", "customer", body)
        assert after["status"] == "confirmed"
        assert after["confirmation"]["channel"] == "portal", body
        assert after["confirmation"]["by"] == str(users["customer"].id)
        event = (await desk.events(order))[-1]
        assert event["changes"]["channel"] == "portal"


@pytest.mark.parametrize("who", ["clerk", "customer"])
async def test_reopen_sends_a_reported_order_back_to_work(desk, users, who):
    order = await desk.order_in("reported")
    count = len(await desk.events(order))
    after = await desk.do(order, "reopen", who, {"reason": "Still jams"})
    assert after["status"] == "in_progress"
    expected = {"clerk": {"assign", "hold", "cancel", "escalate"}, "customer": set()}[who]
    assert set(after["allowed_actions"]) == expected
    event = await _last_event(desk, order, count)
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "reopen",
        "reported",
        "in_progress",
    )
    assert event["changes"]["reason"] == "Still jams"
    assert event["actor_id"] == str(users[who].id)
    # The engineer reports again.
    again = await desk.do(order, "report", "engineer", {"resolution": "Replaced the roller"})
    assert again["status"] == "reported"


async def test_close_sets_closed_at_and_tells_the_customer(desk, users, factory):
    colleague = await factory.user("customer", customer_id=users["customer"].customer_id)
    order = await desk.order_in("confirmed")
    count = len(await desk.events(order))
    after = await desk.do(order, "close", "supervisor")
    assert after["status"] == "closed"
    assert after["closed_at"] is not None
    event = await _last_event(desk, order, count)
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "close",
        "confirmed",
        "closed",
    )
    for user in (users["customer"], colleague):
        notes = await desk.client.get("/api/v1/notifications", headers=desk.headers(user))
        assert [n["kind"] for n in notes.json()["items"]] == ["completion_notice"]
    staff = await desk.client.get("/api/v1/notifications", headers=desk.headers("clerk"))
    assert staff.json()["items"] == []


async def test_office_cancels_an_open_order_with_a_reason(desk):
    for state in ("new", "assigned", "in_progress", "on_hold"):
        order = await desk.order_in(state)
        count = len(await desk.events(order))
        after = await desk.do(order, "cancel", "clerk", {"reason": "Customer withdrew"})
        assert (after["status"], after["cancel_reason"]) == ("cancelled", "Customer withdrew")
        assert after["allowed_actions"] == []
        assert after["sla"]["paused"] is False
        event = await _last_event(desk, order, count)
        assert (event["action"], event["from_status"], event["to_status"]) == (
            "cancel",
            state,
            "cancelled",
        )
        assert event["changes"]["reason"] == "Customer withdrew"
