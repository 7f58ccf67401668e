"""The SLA clock through the API: due times from the policy in business time, holds, waiting for
the customer's confirmation, priority changes. Expected instants are computed here with the
calendar arithmetic (default calendar: Mon-Fri 08-12 and 14-18, Asia/Shanghai) from the order's
own created_at; a hold spanning a night or a weekend is made by moving the pause rows' timestamps
in the database, then ending it through the API."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, update

from app.db.models import PauseKind, ServiceOrder, SlaPause
from app.domain.calendar import BusinessCalendar
from tests.service_orders.helpers import API, act, order_body

CAL = BusinessCalendar.default()
CST = timezone(timedelta(hours=8))
MINUTE = timedelta(minutes=1)
# The seeded defaults (business minutes): response, resolve.
NORMAL = (240, 2400)
URGENT = (30, 480)


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


async def open_order(client, factory, users, **fields: Any) -> dict[str, Any]:
    body = order_body(users["customer"].customer_id, **fields)
    created = await client.post(API, json=body, headers=factory.headers(users["clerk"]))
    assert created.status_code == 201, created.text
    return created.json()


async def advance(client, factory, users, order: dict[str, Any], *steps: str) -> dict[str, Any]:
    """Run the named actions with the right actor; return the last response's order (as the
    office sees it: a customer's answer leaves out the SLA clocks)."""
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    bodies = {
        "assign": (clerk, {"assignee_id": str(users["engineer"].id)}),
        "start": (engineer, None),
        "hold": (engineer, {"reason": "Waiting for a spare part"}),
        "resume": (engineer, None),
        "report": (engineer, {"resolution": "Replaced the roller"}),
        "reopen": (factory.headers(users["customer"]), {"reason": "Still jams"}),
    }
    for step in steps:
        headers, body = bodies[step]
        response = await act(client, headers, order["id"], step, body)
        assert response.status_code == 200, response.text
        order = response.json()
    if steps and steps[-1] == "reopen":
        order = (await client.get(f"{API}/{order['id']}", headers=clerk)).json()
    return order


async def rewrite_order(sessionmaker, order_id: str, **values: Any) -> None:
    """Move an order's timestamps (a plain UPDATE: no version bump, no clock recompute)."""
    table = ServiceOrder.__table__
    async with sessionmaker() as session:
        await session.execute(
            update(table).where(table.c.id == uuid.UUID(order_id)).values(**values)
        )
        await session.commit()


async def move_open_pause(sessionmaker, order_id: str, kind: PauseKind, started_at: datetime):
    async with sessionmaker() as session:
        result = await session.execute(
            update(SlaPause)
            .where(
                SlaPause.order_id == uuid.UUID(order_id),
                SlaPause.kind == kind,
                SlaPause.ended_at.is_(None),
            )
            .values(started_at=started_at)
        )
        assert result.rowcount == 1
        await session.commit()


async def pauses_of(sessionmaker, order_id: str) -> list[SlaPause]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(SlaPause)
            .where(SlaPause.order_id == uuid.UUID(order_id))
            .order_by(SlaPause.started_at)
        )
        return list(rows.all())


def as_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


# --- due times from the policy ----------------------------------------------------------------


async def test_due_times_follow_the_policy_for_the_orders_kind_and_priority(client, factory, users):
    supervisor = factory.headers(users["supervisor"])
    policies = (await client.get("/api/v1/sla-policies", headers=supervisor)).json()
    onsite_high = next(p for p in policies if (p["kind"], p["priority"]) == ("onsite", "high"))
    changed = await client.patch(
        f"/api/v1/sla-policies/{onsite_high['id']}",
        json={"response_minutes": 45, "resolve_minutes": 700},
        headers={**supervisor, "If-Match": f'"{onsite_high["version"]}"'},
    )
    assert changed.status_code == 200, changed.text

    cases = [
        ({"kind": "onsite", "priority": "high"}, (45, 700)),
        ({"kind": "remote", "priority": "high"}, (60, 960)),  # same priority, other kind
        ({"kind": "remote"}, NORMAL),  # the default priority is normal
        ({"kind": "remote", "priority": "urgent"}, URGENT),
        ({"kind": "onsite", "priority": "low"}, (480, 4800)),
    ]
    for fields, (response, resolve) in cases:
        order = await open_order(client, factory, users, **fields)
        created = ts(order["created_at"])
        assert ts(order["sla"]["response_due_at"]) == CAL.add(created, minutes(response)), fields
        assert ts(order["due_at"]) == CAL.add(created, minutes(resolve)), fields
        assert order["sla"]["resolve_due_at"] == order["due_at"]
        assert order["sla"] | {"response_due_at": None, "resolve_due_at": None} == {
            "response_due_at": None,
            "resolve_due_at": None,
            "paused_minutes": 0,
            "paused": False,
            "state": "ok",
        }
        assert order["overdue"] is False


async def test_due_times_count_only_business_hours(client, factory, users, sessionmaker):
    """An order taken on Friday at 17:30 has 30 minutes left that day; weekends do not count."""
    order = await open_order(client, factory, users, priority="urgent")
    friday = datetime(2026, 11, 20, 17, 30, tzinfo=CST)
    await rewrite_order(sessionmaker, order["id"], created_at=friday)
    # A priority change recomputes the clock from the (moved) created_at.
    patched = await client.patch(
        f"{API}/{order['id']}",
        json={"priority": "low"},
        headers=factory.headers(users["clerk"], **{"If-Match": f'"{order["version"]}"'}),
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    # Response 480 min: 17:30-18:00 Friday, then Monday 08:00-12:00 and 14:00-17:30.
    assert ts(body["sla"]["response_due_at"]) == datetime(2026, 11, 23, 17, 30, tzinfo=CST)
    # Resolve 4800 min: 30 min Friday, nine full days, then 7.5 h of the Friday after next.
    assert ts(body["due_at"]) == datetime(2026, 12, 4, 17, 30, tzinfo=CST)
    assert ts(body["due_at"]) == CAL.add(friday, minutes(4800))


async def test_changing_the_priority_recomputes_both_due_times(client, factory, users):
    order = await open_order(client, factory, users)
    created = ts(order["created_at"])
    patched = await client.patch(
        f"{API}/{order['id']}",
        json={"priority": "urgent"},
        headers=factory.headers(users["clerk"], **{"If-Match": f'"{order["version"]}"'}),
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert ts(body["sla"]["response_due_at"]) == CAL.add(created, minutes(URGENT[0]))
    assert ts(body["due_at"]) == CAL.add(created, minutes(URGENT[1]))
    assert body["version"] == order["version"] + 1  # a priority change is an edit


async def test_an_order_is_created_at_version_1(client, factory, users):
    """Computing the clock at create must not write the new row twice."""
    order = await open_order(client, factory, users)
    assert order["version"] == 1


# --- hold and resume --------------------------------------------------------------------------


async def test_hold_freezes_the_clock_and_resume_moves_due_by_the_business_time_on_hold(
    client, factory, users, sessionmaker
):
    order = await advance(
        client, factory, users, await open_order(client, factory, users), "assign", "start"
    )
    before = order["due_at"]
    held = await advance(client, factory, users, order, "hold")
    assert held["status"] == "on_hold"
    assert held["sla"]["paused"] is True
    assert held["due_at"] == before  # frozen
    again = await client.get(f"{API}/{order['id']}", headers=factory.headers(users["clerk"]))
    assert again.json()["due_at"] == before
    assert again.json()["sla"]["paused"] is True

    # Make the hold span nights and a weekend: it began a week ago (so it holds business time
    # whatever day the suite runs on), the order came in a day before that and work started an
    # hour after it came in; the hold ends now, through the API.
    hold_start = datetime.now(UTC) - timedelta(days=7)
    created = hold_start - timedelta(days=1)
    await rewrite_order(
        sessionmaker, order["id"], created_at=created, responded_at=created + timedelta(hours=1)
    )
    await move_open_pause(sessionmaker, order["id"], PauseKind.hold, hold_start)

    resumed = await advance(client, factory, users, held, "resume")
    assert resumed["status"] == "in_progress"
    assert resumed["sla"]["paused"] is False
    [pause] = await pauses_of(sessionmaker, order["id"])
    assert pause.started_at == hold_start and pause.ended_at is not None
    hold_end = pause.ended_at

    allowance = minutes(NORMAL[1])
    on_hold = CAL.between(hold_start, hold_end)
    assert on_hold > timedelta(0)
    expected = CAL.add(hold_end, allowance - CAL.between(created, hold_start))
    assert ts(resumed["due_at"]) == expected
    # ... which is the unpaused due time moved on by exactly the business time on hold.
    assert CAL.between(CAL.add(created, allowance), expected) == on_hold
    assert resumed["sla"]["paused_minutes"] == int(on_hold.total_seconds() // 60)
    # Work had started before the hold: the response clock had stopped and does not move.
    assert ts(resumed["sla"]["response_due_at"]) == CAL.add(created, minutes(NORMAL[0]))


async def test_a_hold_before_work_starts_pauses_the_response_clock_too(
    client, factory, users, sessionmaker
):
    order = await advance(
        client, factory, users, await open_order(client, factory, users), "assign", "hold"
    )
    assert order["status"] == "on_hold"
    created = datetime.now(UTC) - timedelta(days=2)
    hold_start = created + MINUTE
    await rewrite_order(sessionmaker, order["id"], created_at=created)
    await move_open_pause(sessionmaker, order["id"], PauseKind.hold, hold_start)

    resumed = await advance(client, factory, users, order, "resume")
    assert resumed["status"] == "assigned"  # back where it was held from
    [pause] = await pauses_of(sessionmaker, order["id"])
    counted = CAL.between(created, hold_start)
    response, resolve = (minutes(m) for m in NORMAL)
    assert ts(resumed["sla"]["response_due_at"]) == CAL.add(pause.ended_at, response - counted)
    assert ts(resumed["due_at"]) == CAL.add(pause.ended_at, resolve - counted)
    assert resumed["sla"]["state"] == "ok"


async def test_a_hold_over_a_weekend_costs_only_its_working_hours(
    client, factory, users, sessionmaker
):
    """Taken Friday 16:00, held Friday 17:00 until Monday 09:00: two business hours on hold."""
    order = await advance(
        client, factory, users, await open_order(client, factory, users), "assign", "start"
    )
    order = await advance(client, factory, users, order, "hold")
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=CST)
    await rewrite_order(
        sessionmaker, order["id"], created_at=friday, responded_at=friday + timedelta(minutes=10)
    )
    await move_open_pause(sessionmaker, order["id"], PauseKind.hold, friday + timedelta(hours=1))
    order = await advance(client, factory, users, order, "resume")
    monday_nine = datetime(2026, 11, 23, 9, 0, tzinfo=CST)
    async with sessionmaker() as session:
        await session.execute(
            update(SlaPause)
            .where(SlaPause.order_id == uuid.UUID(order["id"]))
            .values(ended_at=monday_nine)
        )
        await session.commit()
    # A policy change recomputes open orders from their pause segments.
    supervisor = factory.headers(users["supervisor"])
    policies = (await client.get("/api/v1/sla-policies", headers=supervisor)).json()
    policy = next(p for p in policies if (p["kind"], p["priority"]) == ("remote", "normal"))
    changed = await client.patch(
        f"/api/v1/sla-policies/{policy['id']}",
        json={"resolve_minutes": 600},
        headers={**supervisor, "If-Match": f'"{policy["version"]}"'},
    )
    assert changed.status_code == 200, changed.text
    got = (await client.get(f"{API}/{order['id']}", headers=supervisor)).json()
    # 600 min: 16-17 Friday (60), hold, Monday 09-12 and 14-18 (420), Tuesday 08-10 (120).
    assert ts(got["due_at"]) == datetime(2026, 11, 24, 10, 0, tzinfo=CST)
    # Without the hold it would have been Monday 18:00: two business hours earlier.
    assert CAL.between(datetime(2026, 11, 23, 18, tzinfo=CST), ts(got["due_at"])) == timedelta(
        hours=2
    )
    assert got["sla"]["paused_minutes"] == 120
    # Work started at 16:10, before the hold: the response clock had stopped, so its due time
    # is the plain 240 minutes (16-18 Friday, 08-10 Monday), not pushed back by the hold.
    assert ts(got["sla"]["response_due_at"]) == datetime(2026, 11, 23, 10, 0, tzinfo=CST)


# --- waiting for the customer's confirmation --------------------------------------------------


async def test_a_reported_remote_order_stops_the_resolve_clock_until_it_is_reopened(
    client, factory, users, sessionmaker
):
    order = await advance(
        client,
        factory,
        users,
        await open_order(client, factory, users),
        "assign",
        "start",
    )
    before = order["due_at"]
    reported = await advance(client, factory, users, order, "report")
    assert reported["status"] == "reported"
    assert reported["due_at"] == before  # frozen while the customer has not answered
    assert reported["overdue"] is False
    assert reported["sla"]["state"] == "ok"

    created = datetime.now(UTC) - timedelta(days=2)
    reported_at = created + timedelta(days=1)
    await rewrite_order(
        sessionmaker,
        order["id"],
        created_at=created,
        responded_at=created + timedelta(hours=1),
        reported_at=reported_at,
    )
    await move_open_pause(sessionmaker, order["id"], PauseKind.awaiting_confirmation, reported_at)

    reopened = await advance(client, factory, users, reported, "reopen")
    assert reopened["status"] == "in_progress"
    [pause] = await pauses_of(sessionmaker, order["id"])
    assert pause.kind == PauseKind.awaiting_confirmation
    waited = CAL.between(reported_at, pause.ended_at)
    expected = CAL.add(pause.ended_at, minutes(NORMAL[1]) - CAL.between(created, reported_at))
    assert ts(reopened["due_at"]) == expected
    assert CAL.between(CAL.add(created, minutes(NORMAL[1])), expected) == waited
    assert reopened["sla"]["paused_minutes"] == int(waited.total_seconds() // 60)


# --- the state of stopped clocks --------------------------------------------------------------


async def test_starting_late_leaves_the_order_breached(client, factory, users, sessionmaker):
    order = await advance(
        client, factory, users, await open_order(client, factory, users), "assign"
    )
    # Four calendar days always hold at least one full business day: more than 240 minutes.
    await rewrite_order(sessionmaker, order["id"], created_at=datetime.now(UTC) - timedelta(days=4))
    started = await advance(client, factory, users, order, "start")
    assert ts(started["sla"]["response_due_at"]) < ts(started["responded_at"])
    assert started["sla"]["state"] == "breached"


async def test_reporting_after_the_due_time_leaves_the_order_breached(
    client, factory, users, sessionmaker
):
    order = await advance(
        client, factory, users, await open_order(client, factory, users), "assign", "start"
    )
    created = datetime.now(UTC) - timedelta(days=20)
    await rewrite_order(
        sessionmaker, order["id"], created_at=created, responded_at=created + MINUTE
    )
    reported = await advance(client, factory, users, order, "report")
    assert ts(reported["due_at"]) == CAL.add(created, minutes(NORMAL[1]))
    assert reported["sla"]["state"] == "breached"
    assert reported["overdue"] is False  # the clock has stopped: nothing is running late


async def test_starting_in_time_clears_a_response_warning(client, factory, users, sessionmaker):
    order = await advance(
        client, factory, users, await open_order(client, factory, users), "assign"
    )
    await rewrite_order(sessionmaker, order["id"], sla_state="warning")
    started = await advance(client, factory, users, order, "start")
    assert started["sla"]["state"] == "ok"
