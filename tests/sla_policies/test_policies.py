"""SLA policies: who may read and change them, bad input, and what a change does to open orders."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete

from app.db.models import SlaPolicy
from app.domain.calendar import BusinessCalendar
from tests.service_orders.helpers import API, act, order_body
from tests.support import assert_problem

POLICIES = "/api/v1/sla-policies"
CAL = BusinessCalendar.default()


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


async def policy_for(client, factory, users, kind: str, priority: str) -> dict[str, Any]:
    listed = await client.get(POLICIES, headers=factory.headers(users["supervisor"]))
    return next(p for p in listed.json() if (p["kind"], p["priority"]) == (kind, priority))


async def patch_policy(client, headers, policy, body, version=None):
    version = policy["version"] if version is None else version
    return await client.patch(
        f"{POLICIES}/{policy['id']}", json=body, headers={**headers, "If-Match": f'"{version}"'}
    )


async def order_in(client, factory, users, state: str, **fields: Any) -> dict[str, Any]:
    """An order of the given kind/priority driven to `state` by the right people."""
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    created = await client.post(
        API, json=order_body(users["customer"].customer_id, **fields), headers=clerk
    )
    assert created.status_code == 201, created.text
    order = created.json()
    paths = {
        "new": [],
        "assigned": ["assign"],
        "on_hold": ["assign", "hold"],
        "confirmed": ["assign", "start", "report", "confirm"],
        "closed": ["assign", "start", "report", "confirm", "close"],
        "cancelled": ["cancel"],
    }
    bodies = {
        "assign": (clerk, {"assignee_id": str(users["engineer"].id)}),
        "hold": (engineer, {"reason": "Part on order"}),
        "start": (engineer, None),
        "report": (engineer, {"resolution": "Fixed"}),
        "confirm": (clerk, {"channel": "phone"}),
        "close": (clerk, None),
        "cancel": (clerk, {"reason": "Duplicate"}),
    }
    for step in paths[state]:
        headers, body = bodies[step]
        response = await act(client, headers, order["id"], step, body)
        assert response.status_code == 200, response.text
        order = response.json()
    assert order["status"] == state
    return order


async def get_order(client, factory, users, order) -> dict[str, Any]:
    return (
        await client.get(f"{API}/{order['id']}", headers=factory.headers(users["supervisor"]))
    ).json()


async def event_actions(client, factory, users, order, role: str = "supervisor") -> list[str]:
    timeline = await client.get(
        f"{API}/{order['id']}/timeline", headers=factory.headers(users[role])
    )
    return [e["action"] for e in timeline.json()["items"] if e["type"] == "event"]


# --- reading ----------------------------------------------------------------------------------


async def test_the_office_lists_every_policy(client, factory, users):
    for role, actions in (("clerk", []), ("supervisor", ["update"])):
        response = await client.get(POLICIES, headers=factory.headers(users[role]))
        assert response.status_code == 200, response.text
        policies = response.json()
        assert len(policies) == 8
        assert {(p["kind"], p["priority"]) for p in policies} == {
            (k, p) for k in ("remote", "onsite") for p in ("low", "normal", "high", "urgent")
        }
        assert {p["allowed_actions"] == actions for p in policies} == {True}
    urgent = await policy_for(client, factory, users, "remote", "urgent")
    assert (urgent["response_minutes"], urgent["resolve_minutes"], urgent["version"]) == (
        30,
        480,
        1,
    )


@pytest.mark.parametrize("role", ["engineer", "customer"])
async def test_engineers_and_customers_may_not_read_policies(client, factory, users, role):
    assert_problem(
        await client.get(POLICIES, headers=factory.headers(users[role])), 403, "forbidden"
    )


async def test_policies_need_a_login(client):
    assert_problem(await client.get(POLICIES), 401, "not_authenticated")


# --- changing a policy --------------------------------------------------------------------------


async def test_a_change_recomputes_open_orders_of_that_kind_and_priority_only(
    client, factory, users
):
    target = {"kind": "remote", "priority": "high"}
    running = await order_in(client, factory, users, "assigned", **target)
    held = await order_in(client, factory, users, "on_hold", **target)
    untouched = {
        "other priority": await order_in(client, factory, users, "assigned", kind="remote"),
        "other kind": await order_in(
            client, factory, users, "assigned", kind="onsite", priority="high"
        ),
        "confirmed": await order_in(client, factory, users, "confirmed", **target),
        "closed": await order_in(client, factory, users, "closed", **target),
        "cancelled": await order_in(client, factory, users, "cancelled", **target),
    }
    before = {name: await get_order(client, factory, users, o) for name, o in untouched.items()}

    policy = await policy_for(client, factory, users, "remote", "high")
    response = await patch_policy(
        client,
        factory.headers(users["supervisor"]),
        policy,
        {"response_minutes": 90, "resolve_minutes": 1200},
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Orders-Recomputed"] == "2"
    assert response.headers["ETag"] == f'"{policy["version"] + 1}"'
    body = response.json()
    assert (body["response_minutes"], body["resolve_minutes"]) == (90, 1200)
    assert body["version"] == policy["version"] + 1

    for order in (running, held):
        now = await get_order(client, factory, users, order)
        created = ts(order["created_at"])
        assert ts(now["sla"]["response_due_at"]) == CAL.add(created, minutes(90))
        assert ts(now["due_at"]) == CAL.add(created, minutes(1200))
        assert now["version"] == order["version"]  # a recomputed clock is not an edit
        actions = await event_actions(client, factory, users, order)
        assert actions[-1] == "sla_recomputed"
        assert "sla_recomputed" not in await event_actions(
            client, factory, users, order, "customer"
        )
    assert (await get_order(client, factory, users, held))["sla"]["paused"] is True

    for name, order in untouched.items():
        after = await get_order(client, factory, users, order)
        assert after["due_at"] == before[name]["due_at"], name
        assert after["sla"] == before[name]["sla"], name
        assert after["updated_at"] == before[name]["updated_at"], name
        assert "sla_recomputed" not in await event_actions(client, factory, users, order), name

    # The engineer's If-Match on the version read before the policy change still works.
    started = await act(
        client,
        factory.headers(users["engineer"], **{"If-Match": f'"{running["version"]}"'}),
        running["id"],
        "start",
    )
    assert started.status_code == 200, started.text


async def test_the_recompute_event_names_what_moved(client, factory, users):
    order = await order_in(client, factory, users, "assigned", kind="remote", priority="low")
    policy = await policy_for(client, factory, users, "remote", "low")
    response = await patch_policy(
        client, factory.headers(users["supervisor"]), policy, {"resolve_minutes": 4000}
    )
    assert response.headers["X-Orders-Recomputed"] == "1"
    events = (
        await client.get("/api/v1/events", headers=factory.headers(users["supervisor"]))
    ).json()
    [recomputed] = [e for e in events["items"] if e["action"] == "sla_recomputed"]
    assert recomputed["object_id"] == order["id"]
    assert recomputed["actor_id"] == str(users["supervisor"].id)
    old, new = recomputed["changes"]["due_at"]
    assert ts(old) == ts(order["due_at"])
    assert ts(new) == CAL.add(ts(order["created_at"]), minutes(4000))
    assert "response_due_at" not in recomputed["changes"]  # the response allowance is the same


async def test_an_unchanged_policy_recomputes_nothing(client, factory, users):
    await order_in(client, factory, users, "assigned", kind="remote", priority="low")
    policy = await policy_for(client, factory, users, "remote", "low")
    for body in ({"resolve_minutes": policy["resolve_minutes"]}, {}):
        response = await patch_policy(client, factory.headers(users["supervisor"]), policy, body)
        assert response.status_code == 200, response.text
        assert response.headers["X-Orders-Recomputed"] == "0"
        assert response.json()["version"] == policy["version"]


@pytest.mark.parametrize("role", ["clerk", "engineer", "customer"])
async def test_only_supervisors_change_policies(client, factory, users, role):
    policy = await policy_for(client, factory, users, "remote", "normal")
    response = await patch_policy(
        client, factory.headers(users[role]), policy, {"resolve_minutes": 100}
    )
    assert_problem(response, 403, "forbidden")
    assert await policy_for(client, factory, users, "remote", "normal") == policy


async def test_a_change_needs_the_current_version(client, factory, users):
    supervisor = factory.headers(users["supervisor"])
    policy = await policy_for(client, factory, users, "remote", "normal")
    url = f"{POLICIES}/{policy['id']}"
    assert_problem(
        await client.patch(url, json={"resolve_minutes": 100}, headers=supervisor),
        428,
        "precondition_required",
    )
    stale = await patch_policy(client, supervisor, policy, {"resolve_minutes": 100}, version=7)
    assert assert_problem(stale, 412, "precondition_failed")["current_version"] == 1
    garbage = await client.patch(
        url, json={"resolve_minutes": 100}, headers={**supervisor, "If-Match": "soon"}
    )
    assert_problem(garbage, 422, "validation_error")
    assert await policy_for(client, factory, users, "remote", "normal") == policy


@pytest.mark.parametrize(
    "body",
    [
        {"resolve_minutes": 0},
        {"resolve_minutes": -30},
        {"response_minutes": 480 * 365 + 1},
        {"resolve_minutes": 10**12},
        {"resolve_minutes": "soon"},
        {"resolve_minutes": "30"},
        {"resolve_minutes": 30.5},
        {"resolve_minutes": True},
        {"resolve_minutes": None},
        {"resolve_minutes": [30]},
        {"resolve_minutes": 30, "kind": "onsite"},
        {"grace_minutes": 5},
    ],
    ids=repr,
)
async def test_bad_values_are_422_and_change_nothing(client, factory, users, body):
    order = await order_in(client, factory, users, "assigned")
    policy = await policy_for(client, factory, users, "remote", "normal")
    response = await patch_policy(client, factory.headers(users["supervisor"]), policy, body)
    problem = assert_problem(response, 422, "validation_error")
    assert {e["field"] for e in problem["errors"]} & {*body, "body"}, problem
    assert await policy_for(client, factory, users, "remote", "normal") == policy
    assert (await get_order(client, factory, users, order))["due_at"] == order["due_at"]


async def test_malformed_json_and_other_content_types_are_refused(client, factory, users):
    policy = await policy_for(client, factory, users, "remote", "normal")
    headers = {**factory.headers(users["supervisor"]), "If-Match": '"1"'}
    url = f"{POLICIES}/{policy['id']}"
    broken = await client.patch(
        url,
        content=b'{"resolve_minutes": ',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert_problem(broken, 400, "invalid_json")
    text = await client.patch(
        url, content=b"resolve_minutes=5", headers={**headers, "Content-Type": "text/plain"}
    )
    assert_problem(text, 415)


async def test_an_unknown_policy_is_404(client, factory, users):
    headers = {**factory.headers(users["supervisor"]), "If-Match": '"1"'}
    missing = await client.patch(
        f"{POLICIES}/{uuid.uuid4()}", json={"resolve_minutes": 60}, headers=headers
    )
    assert_problem(missing, 404, "not_found")
    bad_id = await client.patch(
        f"{POLICIES}/not-an-id", json={"resolve_minutes": 60}, headers=headers
    )
    assert_problem(bad_id, 422, "validation_error")


# --- adding a policy --------------------------------------------------------------------------


async def test_a_kind_and_priority_has_one_policy(client, factory, users):
    response = await client.post(
        POLICIES,
        json={"kind": "remote", "priority": "normal", "response_minutes": 5, "resolve_minutes": 50},
        headers=factory.headers(users["supervisor"]),
    )
    assert_problem(response, 409, "conflict")
    assert len((await client.get(POLICIES, headers=factory.headers(users["clerk"]))).json()) == 8


async def test_adding_a_missing_policy_recomputes_its_open_orders(
    client, factory, users, sessionmaker
):
    async with sessionmaker() as session:
        await session.execute(
            delete(SlaPolicy).where(SlaPolicy.kind == "remote", SlaPolicy.priority == "urgent")
        )
        await session.commit()
    # Without a row the built-in default (30 / 480) applies.
    order = await order_in(client, factory, users, "assigned", kind="remote", priority="urgent")
    created = ts(order["created_at"])
    assert ts(order["due_at"]) == CAL.add(created, minutes(480))

    body = {"kind": "remote", "priority": "urgent", "response_minutes": 20, "resolve_minutes": 300}
    for role in ("clerk", "engineer", "customer"):
        refused = await client.post(POLICIES, json=body, headers=factory.headers(users[role]))
        assert_problem(refused, 403, "forbidden")
    response = await client.post(POLICIES, json=body, headers=factory.headers(users["supervisor"]))
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    assert response.json() | {"id": None, "created_at": None, "updated_at": None} == {
        **body,
        "id": None,
        "version": 1,
        "created_at": None,
        "updated_at": None,
        "allowed_actions": ["update"],
    }
    now = await get_order(client, factory, users, order)
    assert ts(now["sla"]["response_due_at"]) == CAL.add(created, minutes(20))
    assert ts(now["due_at"]) == CAL.add(created, minutes(300))
    assert now["version"] == order["version"]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "remote", "priority": "urgent", "response_minutes": 20},
        {"kind": "field", "priority": "urgent", "response_minutes": 20, "resolve_minutes": 300},
        {"kind": "remote", "priority": "asap", "response_minutes": 20, "resolve_minutes": 300},
        {"kind": "remote", "priority": "urgent", "response_minutes": 0, "resolve_minutes": 300},
        {"kind": "remote", "priority": "urgent", "response_minutes": 20, "resolve_minutes": "x"},
        {
            "kind": "remote",
            "priority": "urgent",
            "response_minutes": 2,
            "resolve_minutes": 3,
            "x": 1,
        },
    ],
    ids=repr,
)
async def test_a_bad_new_policy_is_422(client, factory, users, body):
    response = await client.post(POLICIES, json=body, headers=factory.headers(users["supervisor"]))
    assert_problem(response, 422, "validation_error")
