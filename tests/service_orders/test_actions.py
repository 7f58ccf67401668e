"""Every row of the service-order action table (SPEC §4.1): the transition, the states it refuses,
the event it writes, `allowed_actions` on the read, and If-Match.

`Desk` (below) drives orders through the workflow over HTTP; the other service-order test modules
import it from here.
"""

import base64
import hashlib
import itertools
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.service_orders.helpers import API, order_body, png_data_url, window
from tests.support import assert_problem

STATES = (
    "new",
    "assigned",
    "in_progress",
    "on_hold",
    "reported",
    "confirmed",
    "closed",
    "cancelled",
)
ACTIONS = ("assign", "start", "hold", "resume", "report", "confirm", "reopen", "close", "cancel")
# Where each action may start (SPEC §4.1), written out here rather than read from the app.
SOURCES = {
    "assign": {"new", "assigned", "in_progress", "on_hold"},
    "start": {"assigned"},
    "hold": {"assigned", "in_progress"},
    "resume": {"on_hold"},
    "report": {"in_progress"},
    "confirm": {"reported"},
    "reopen": {"reported"},
    "close": {"confirmed"},
    "cancel": {"new", "assigned", "in_progress", "on_hold"},
}
_OFFICE = {
    "new": {"assign", "cancel"},
    "assigned": {"assign", "hold", "cancel"},
    "in_progress": {"assign", "hold", "cancel"},
    "on_hold": {"assign", "resume", "cancel"},
    "reported": {"confirm", "reopen"},
    "confirmed": {"close"},
    "closed": set(),
    "cancelled": set(),
}
# What each role may do on a remote order in each state; "engineer" is the assignee.
ALLOWED: dict[str, dict[str, set[str]]] = {
    "clerk": _OFFICE,
    "supervisor": _OFFICE,
    "engineer": {
        "assigned": {"start", "hold"},
        "in_progress": {"hold", "report"},
        "on_hold": {"resume"},
        "reported": set(),
        "confirmed": set(),
        "closed": set(),
        "cancelled": set(),
    },
    "customer": {
        "new": {"cancel"},
        "assigned": set(),
        "in_progress": set(),
        "on_hold": set(),
        "reported": {"confirm", "reopen"},
        "confirmed": set(),
        "closed": set(),
        "cancelled": set(),
    },
}
ROLES = tuple(ALLOWED)

_DAYS = itertools.count(3)


def free_window(hours: int = 2) -> tuple[str, str]:
    """An appointment on a day no other order of this run uses, so bookings never clash."""
    return window(days=next(_DAYS), hours=hours)


def signoff(signature: str | None = None) -> dict[str, str]:
    return {"signer_name": "Zhao Min", "signature": signature or png_data_url()}


def default_body(action: str, kind: str = "remote", assignee: Any = None) -> dict[str, Any] | None:
    """A valid body for `action` on an order of `kind`."""
    if action == "assign":
        return {"assignee_id": str(assignee.id)}
    if action in ("hold", "reopen", "cancel"):
        return {"reason": f"{action} reason"}
    if action == "report":
        if kind == "onsite":
            return {"resolution": "Fixed", "service_record": "Replaced fuser", "signoff": signoff()}
        return {"resolution": "Fixed"}
    if action == "confirm":
        return {"channel": "phone"}
    return None


@dataclass
class Desk:
    """Drives service orders over HTTP as the four standard users."""

    client: Any
    factory: Any
    users: dict[str, Any]

    @property
    def customer_id(self) -> Any:
        return self.users["customer"].customer_id

    def headers(self, who: Any = "clerk", **extra: str) -> dict[str, str]:
        user = self.users[who] if isinstance(who, str) else who
        return self.factory.headers(user, **extra)

    async def create(self, kind: str = "remote", who: Any = "clerk", **fields: Any) -> dict:
        if kind == "onsite" and "appointment_start" not in fields:
            fields["appointment_start"], fields["appointment_end"] = free_window()
        body = order_body(fields.pop("customer_id", self.customer_id), kind, **fields)
        response = await self.client.post(API, json=body, headers=self.headers(who))
        assert response.status_code == 201, response.text
        return response.json()

    async def act(
        self,
        order: Any,
        action: str,
        who: Any = "clerk",
        body: Any = "default",
        **headers: str,
    ) -> Any:
        oid = order if isinstance(order, str) else order["id"]
        if body == "default":
            kind = order["kind"] if isinstance(order, dict) else "remote"
            body = default_body(action, kind, self.users["engineer"])
        return await self.client.post(
            f"{API}/{oid}/{action}", json=body, headers=self.headers(who, **headers)
        )

    async def do(self, order: Any, action: str, who: Any = "clerk", body: Any = "default") -> dict:
        response = await self.act(order, action, who, body)
        assert response.status_code == 200, response.text
        return response.json()

    async def get(self, order: Any, who: Any = "clerk") -> dict:
        oid = order if isinstance(order, str) else order["id"]
        response = await self.client.get(f"{API}/{oid}", headers=self.headers(who))
        assert response.status_code == 200, response.text
        return response.json()

    async def events(self, order: Any, who: Any = "clerk") -> list[dict]:
        oid = order if isinstance(order, str) else order["id"]
        response = await self.client.get(f"{API}/{oid}/timeline", headers=self.headers(who))
        assert response.status_code == 200, response.text
        return [e for e in response.json()["items"] if e["type"] == "event"]

    async def order_in(
        self, state: str, kind: str = "remote", held_from: str = "in_progress", **fields: Any
    ) -> dict:
        """A new order taken to `state` along the usual path, assigned to users["engineer"].

        `cancelled` is reached from `assigned`, so the engineer can see it.
        """
        order = await self.create(kind, **fields)
        if state == "new":
            return order
        order = await self.do(order, "assign")
        if state in ("assigned", "cancelled") or (state == "on_hold" and held_from == "assigned"):
            if state == "cancelled":
                order = await self.do(order, "cancel")
            elif state == "on_hold":
                order = await self.do(order, "hold", "engineer")
            return order
        order = await self.do(order, "start", "engineer")
        if state == "on_hold":
            return await self.do(order, "hold", "engineer")
        if state == "in_progress":
            return order
        order = await self.do(order, "report", "engineer")
        if state == "reported" or (state == "confirmed" and kind == "onsite"):
            return order
        if order["status"] == "reported":
            order = await self.do(order, "confirm")
        if state == "confirmed":
            return order
        assert state == "closed", state
        return await self.do(order, "close")


@pytest.fixture
def desk(client, factory, users) -> Desk:
    return Desk(client, factory, users)


def actor_for(action: str) -> str:
    """A role that may take `action` (on an order assigned to users["engineer"])."""
    return "engineer" if action in ("start", "report") else "clerk"


async def assert_unchanged(desk: Desk, before: dict, events_before: int) -> None:
    after = await desk.get(before)
    assert after["status"] == before["status"]
    assert after["version"] == before["version"]
    assert len(await desk.events(before)) == events_before


# --- allowed_actions -------------------------------------------------------------------------


async def orders_in_every_state(desk: Desk) -> dict[str, dict]:
    return {state: await desk.order_in(state) for state in STATES}


async def test_allowed_actions_on_list_match_the_read(desk):
    await desk.order_in("in_progress")
    for role, expected in (
        ("clerk", {"assign", "hold", "cancel"}),
        ("engineer", {"hold", "report"}),
    ):
        listed = await desk.client.get(API, headers=desk.headers(role))
        assert set(listed.json()["items"][0]["allowed_actions"]) == expected


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
    assert set((await desk.get(order, other))["allowed_actions"]) == {"start", "hold"}


# --- wrong state: 409 invalid_transition naming the allowed actions ----------------------------


async def test_allowed_actions_and_wrong_states_in_every_state(desk):
    """One order in each state. The read shows each role what it may do there (SPEC §3); each of
    the nine actions tried outside its row, by a role that may take it elsewhere, answers 409
    naming the caller's allowed actions, and writes nothing."""
    orders = await orders_in_every_state(desk)
    before = {}
    for state, order in orders.items():
        assert order["status"] == state
        before[state] = len(await desk.events(order))
        for role in ROLES:
            if role == "engineer" and state == "new":
                continue  # an engineer cannot see an unassigned order at all (test_permissions)
            read = await desk.get(order, role)
            assert set(read["allowed_actions"]) == ALLOWED[role][state], (state, role)
    for action in ACTIONS:
        who = actor_for(action)
        for state in sorted(set(STATES) - SOURCES[action]):
            if who == "engineer" and state == "new":
                continue
            response = await desk.act(orders[state], action, who)
            problem = assert_problem(response, 409, "invalid_transition")
            assert problem["current_status"] == state, (action, state)
            assert set(problem["allowed_actions"]) == ALLOWED[who][state], (action, state)
    for state, order in orders.items():
        await assert_unchanged(desk, order, before[state])


# --- each action: the happy transition and its event -----------------------------------------


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
        expected = ALLOWED["engineer"][state]
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
    assert set(after["allowed_actions"]) == ALLOWED[who]["in_progress"]
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


async def test_customer_cancels_only_while_new(desk):
    fresh = await desk.create()
    after = await desk.do(fresh, "cancel", "customer", {"reason": "Solved it myself"})
    assert after["status"] == "cancelled"
    for state in ("assigned", "in_progress", "on_hold"):
        order = await desk.order_in(state)
        count = len(await desk.events(order))
        response = await desk.act(order, "cancel", "customer", {"reason": "Changed my mind"})
        assert_problem(response, 403, "forbidden")
        await assert_unchanged(desk, order, count)


async def test_every_action_writes_exactly_one_event_with_its_statuses(desk, users):
    order = await desk.order_in("closed")
    events = await desk.events(order)
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("created", None, "new"),
        ("assign", "new", "assigned"),
        ("start", "assigned", "in_progress"),
        ("report", "in_progress", "reported"),
        ("confirm", "reported", "confirmed"),
        ("close", "confirmed", "closed"),
    ]
    assert [e["actor_id"] for e in events] == [
        str(users[r].id) for r in ("clerk", "clerk", "engineer", "engineer", "clerk", "clerk")
    ]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


# --- If-Match on actions ----------------------------------------------------------------------


async def _if_match_step(desk: Desk, order: dict, action: str, who: str) -> dict:
    count = len(await desk.events(order))
    stale = await desk.act(order, action, who, **{"If-Match": f'"{order["version"] - 1}"'})
    problem = assert_problem(stale, 412, "precondition_failed")
    assert problem["current_version"] == order["version"], action
    await assert_unchanged(desk, order, count)
    ok = await desk.act(order, action, who, **{"If-Match": f'"{order["version"]}"'})
    assert ok.status_code == 200, (action, ok.text)
    # One action, one new version.
    assert ok.headers["etag"] == f'"{order["version"] + 1}"', action
    assert ok.json()["version"] == order["version"] + 1
    return ok.json()


async def test_every_action_honours_if_match(desk):
    """Stale → 412 and nothing written; the current version → done, one version further."""
    order = await desk.create()
    for action in (
        "assign",
        "hold",
        "resume",
        "start",
        "hold",
        "resume",
        "report",
        "reopen",
        "report",
        "confirm",
        "close",
    ):
        order = await _if_match_step(desk, order, action, actor_for(action))
    assert order["status"] == "closed"
    await _if_match_step(desk, await desk.create(), "cancel", "clerk")


async def test_actions_without_if_match_are_accepted(desk):
    order = await desk.order_in("assigned")
    response = await desk.act(order, "start", "engineer")
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{order["version"] + 1}"'


# --- on site: appointments --------------------------------------------------------------------


async def test_onsite_assign_needs_an_appointment(desk):
    order = await desk.create("onsite", appointment_start=None, appointment_end=None)
    assert order["appointment_start"] is None
    response = await desk.act(order, "assign")
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "appointment_start"
    await assert_unchanged(desk, order, 1)


async def _booked(desk: Desk, start: str, end: str, state: str = "assigned") -> dict:
    return await desk.order_in(state, "onsite", appointment_start=start, appointment_end=end)


def _shift(value: str, hours: float) -> str:
    return (datetime.fromisoformat(value) + timedelta(hours=hours)).isoformat()


async def test_overlapping_appointment_is_a_conflict_unless_forced(desk, users):
    for state in ("assigned", "in_progress", "on_hold"):
        start, end = free_window(hours=2)
        first = await _booked(desk, start, end, state)
        second = await desk.create(
            "onsite", appointment_start=_shift(start, 1), appointment_end=_shift(end, 1)
        )
        response = await desk.act(second, "assign")
        problem = assert_problem(response, 409, "appointment_conflict")
        assert [c["number"] for c in problem["conflicts"]] == [first["number"]], state
        assert problem["conflicts"][0]["id"] == first["id"]
        await assert_unchanged(desk, second, 1)
        forced = await desk.do(
            second, "assign", body={"assignee_id": str(users["engineer"].id), "force": True}
        )
        assert forced["status"] == "assigned"
        event = (await desk.events(second))[-1]
        assert event["changes"]["forced"] is True
        assert event["changes"]["overlaps"] == [first["number"]]


async def test_finished_orders_do_not_block_the_engineer(desk):
    for state in ("cancelled", "confirmed", "closed"):
        start, end = free_window()
        await _booked(desk, start, end, state)
        same_time = await desk.create("onsite", appointment_start=start, appointment_end=end)
        assert (await desk.do(same_time, "assign"))["status"] == "assigned", state


async def test_back_to_back_and_other_engineers_do_not_conflict(desk, factory):
    start, end = free_window(hours=2)
    await _booked(desk, start, end)
    after = await desk.create("onsite", appointment_start=end, appointment_end=_shift(end, 1))
    assert (await desk.do(after, "assign"))["status"] == "assigned"
    before = await desk.create("onsite", appointment_start=_shift(start, -1), appointment_end=start)
    assert (await desk.do(before, "assign"))["status"] == "assigned"
    other = await factory.user("engineer")
    overlapping = await desk.create("onsite", appointment_start=start, appointment_end=end)
    body = {"assignee_id": str(other.id)}
    assert (await desk.do(overlapping, "assign", body=body))["status"] == "assigned"


async def test_reassigning_an_order_does_not_conflict_with_itself(desk, users):
    order = await desk.order_in("assigned", "onsite")
    body = {"assignee_id": str(users["engineer"].id), "force": True}
    assert (await desk.do(order, "assign", body=body))["status"] == "assigned"
    # force with nothing to override is not recorded as forced
    assert "forced" not in (await desk.events(order))[-1]["changes"]


async def test_patching_the_appointment_rechecks_the_engineer(desk):
    start, end = free_window()
    booked = await _booked(desk, start, end)
    other_start, other_end = free_window()
    order = await _booked(desk, other_start, other_end)
    url = f"{API}/{order['id']}"
    headers = desk.headers(**{"If-Match": f'"{order["version"]}"'})
    body = {"appointment_start": _shift(start, 1), "appointment_end": _shift(end, 1)}
    clash = await desk.client.patch(url, json=body, headers=headers)
    problem = assert_problem(clash, 409, "appointment_conflict")
    assert [c["number"] for c in problem["conflicts"]] == [booked["number"]]
    await assert_unchanged(desk, order, 2)
    forced = await desk.client.patch(url, params={"force": "true"}, json=body, headers=headers)
    assert forced.status_code == 200, forced.text
    assert forced.json()["appointment_start"] == (await desk.get(order))["appointment_start"]
    event = (await desk.events(order))[-1]
    assert (event["action"], event["changes"]["forced"]) == ("updated", True)
    assert event["changes"]["overlaps"] == [booked["number"]]
    assert set(event["changes"]) == {"appointment_start", "appointment_end", "forced", "overlaps"}


async def test_an_assigned_onsite_order_keeps_an_appointment(desk):
    cleared = {"appointment_start": None, "appointment_end": None}
    assigned = await desk.order_in("assigned", "onsite")
    response = await desk.client.patch(
        f"{API}/{assigned['id']}",
        json=cleared,
        headers=desk.headers(**{"If-Match": f'"{assigned["version"]}"'}),
    )
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "appointment_start"
    await assert_unchanged(desk, assigned, 2)
    fresh = await desk.create("onsite")  # not booked yet: the visit may be unscheduled again
    response = await desk.client.patch(
        f"{API}/{fresh['id']}", json=cleared, headers=desk.headers(**{"If-Match": '"1"'})
    )
    assert response.status_code == 200, response.text
    assert response.json()["appointment_start"] is None


# --- on site: report with the customer's signature -------------------------------------------


async def test_onsite_report_is_signed_and_confirmed(desk, users):
    order = await desk.order_in("in_progress", "onsite")
    record = "Replaced the fuser unit; printed 20 test pages."
    after = await desk.do(
        order,
        "report",
        "engineer",
        {"resolution": "Fixed", "service_record": record, "signoff": signoff()},
    )
    assert (after["status"], after["version"]) == ("confirmed", order["version"] + 1)
    assert after["service_record"] == record
    assert after["signoff"]["signer_name"] == "Zhao Min"
    assert after["signoff"]["signature"] == png_data_url()
    assert after["signoff"]["record_sha256"] == hashlib.sha256(record.encode()).hexdigest()
    assert after["signoff"]["record_matches"] is True
    assert after["confirmation"]["channel"] == "signature"
    assert set(after["allowed_actions"]) == set()  # engineers do not close
    event = (await desk.events(order))[-1]
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "report",
        "in_progress",
        "confirmed",
    )
    assert event["changes"]["signer_name"] == "Zhao Min"
    assert set((await desk.get(order))["allowed_actions"]) == {"close"}


async def test_onsite_report_needs_record_and_signature(desk):
    order = await desk.order_in("in_progress", "onsite")
    for missing in ("service_record", "signoff"):
        body = default_body("report", "onsite")
        assert body is not None
        del body[missing]
        problem = assert_problem(await desk.act(order, "report", "engineer", body), 422)
        assert [e["field"] for e in problem["errors"]] == [missing]
    await assert_unchanged(desk, order, 3)


def _png_bytes(width: int = 4, height: int = 2) -> bytes:
    return base64.b64decode(png_data_url(width, height).split(",", 1)[1])


def _padded_png(total: int) -> bytes:
    """A valid PNG of exactly `total` bytes (an ancillary chunk carries the padding)."""
    png = _png_bytes()
    head, iend = png[:-12], png[-12:]
    size = total - len(png) - 12
    data = b"\x00" * size
    chunk = struct.pack(">I", size) + b"teXt" + data + struct.pack(">I", zlib.crc32(b"teXt" + data))
    padded = head + chunk + iend
    assert len(padded) == total
    return padded


def _b64(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


BAD_SIGNATURES = {
    "not a data URL": base64.b64encode(_png_bytes()).decode(),
    "a URL": "https://example.com/signature.png",
    "wrong MIME": _b64(_png_bytes(), "image/jpeg"),
    "not base64": "data:image/png;base64,not*base64!",
    "bad padding": "data:image/png;base64," + base64.b64encode(_png_bytes()).decode()[:-3],
    "empty": "data:image/png;base64,",
    "a JPEG": _b64(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64),
    "a GIF": _b64(b"GIF89a\x04\x00\x02\x00\x80\x00\x00" + b"\x00" * 40),
    "text": _b64(b"I, the customer, agree."),
    "zero width": _b64(_png_bytes(width=0)),
    "zero height": _b64(_png_bytes(height=0)),
    "truncated": _b64(_png_bytes()[:-12]),
    "truncated in IDAT": _b64(_png_bytes()[:45]),
    "bad chunk checksum": _b64(_png_bytes()[:29] + b"\x00\x00\x00\x00" + _png_bytes()[33:]),
    "over 256 KiB": _b64(_padded_png(256 * 1024 + 1)),
}


async def test_report_refuses_a_signature_that_is_not_a_real_png(desk):
    order = await desk.order_in("in_progress", "onsite")
    for name, signature in BAD_SIGNATURES.items():
        body = {"resolution": "Fixed", "service_record": "Done", "signoff": signoff(signature)}
        problem = assert_problem(await desk.act(order, "report", "engineer", body), 422)
        assert problem["errors"][0]["field"].startswith("signoff.signature"), name
    await assert_unchanged(desk, order, 3)
    assert (await desk.get(order))["signoff"] is None
    good = await desk.do(order, "report", "engineer")
    assert good["status"] == "confirmed"


async def test_a_signature_of_exactly_256_kib_is_accepted(desk):
    order = await desk.order_in("in_progress", "onsite")
    signature = _b64(_padded_png(256 * 1024))
    body = {"resolution": "Fixed", "service_record": "Done", "signoff": signoff(signature)}
    after = await desk.do(order, "report", "engineer", body)
    assert after["signoff"]["signature"] == signature


async def test_the_signed_record_cannot_be_changed_afterwards(desk):
    """service_record is not editable, so record_sha256 keeps matching what the customer signed."""
    order = await desk.order_in("confirmed", "onsite")
    signed = await desk.get(order)
    patch = await desk.client.patch(
        f"{API}/{order['id']}",
        json={"service_record": "Something else"},
        headers=desk.headers(**{"If-Match": f'"{signed["version"]}"'}),
    )
    assert_problem(patch, 422, "validation_error")
    again = await desk.get(order)
    assert again["service_record"] == signed["service_record"]
    assert again["signoff"]["record_sha256"] == signed["signoff"]["record_sha256"]
    assert again["signoff"]["record_matches"] is True
