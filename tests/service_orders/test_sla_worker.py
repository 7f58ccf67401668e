"""The SLA watcher: warning at 75 %, breach at 100 %, one event and one notice per supervisor
each time, never twice, nothing for paused clocks; and the `aftercare worker` process."""

import asyncio
import os
import signal
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app import cli
from app.db.models import Event, Notification, Role, ServiceOrder
from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.domain.calendar import BusinessCalendar
from app.domain.service_orders import sla_worker
from app.domain.service_orders.sla_worker import scan_once
from app.domain.sla_policies.service import recompute_open_orders
from tests.conftest import IS_POSTGRES, build_app
from tests.servers import aftercare_command
from tests.service_orders.helpers import API, act, order_body

CAL = BusinessCalendar.default()
TICK = timedelta(microseconds=1)
RESPONSE, RESOLVE = timedelta(minutes=240), timedelta(minutes=2400)  # remote / normal


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
async def staff(factory, users) -> dict[str, Any]:
    """Two active supervisors, one who left, and the clerk who must not be told."""
    return {
        **users,
        "supervisor2": await factory.user(Role.supervisor),
        "former": await factory.user(Role.supervisor, active=False),
    }


async def scan(sessionmaker, now: datetime | None = None) -> int:
    async with unit_of_work(sessionmaker) as session:
        return await scan_once(session, now=now)


async def new_order(client, factory, users, *steps: str) -> dict[str, Any]:
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    created = await client.post(API, json=order_body(users["customer"].customer_id), headers=clerk)
    assert created.status_code == 201, created.text
    order = created.json()
    bodies = {
        "assign": (clerk, {"assignee_id": str(users["engineer"].id)}),
        "start": (engineer, None),
        "hold": (engineer, {"reason": "Waiting for the part"}),
        "report": (engineer, {"resolution": "Fixed"}),
        "confirm": (clerk, {"channel": "phone"}),
        "close": (clerk, None),
        "cancel": (clerk, {"reason": "Duplicate"}),
    }
    for step in steps:
        headers, body = bodies[step]
        response = await act(client, headers, order["id"], step, body)
        assert response.status_code == 200, response.text
        order = response.json()
    return order


async def sla_events(sessionmaker, order_id: str) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Event.action)
            .where(Event.object_id == uuid.UUID(order_id), Event.action.like("sla_%"))
            .order_by(Event.seq)
        )
        return list(rows.all())


async def notices(sessionmaker) -> list[tuple[uuid.UUID, str, uuid.UUID | None]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Notification.user_id, Notification.kind, Notification.object_id).where(
                Notification.kind.like("sla_%")
            )
        )
        return sorted(rows.all(), key=str)


async def read(client, factory, users, order: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"{API}/{order['id']}", headers=factory.headers(users["clerk"]))
    return response.json()


async def test_warning_at_75_percent_and_breach_at_100_percent_each_once(
    client, factory, staff, sessionmaker
):
    order = await new_order(client, factory, staff)
    created = ts(order["created_at"])
    warning_at, due = CAL.add(created, RESPONSE * 0.75), CAL.add(created, RESPONSE)
    assert ts(order["sla"]["response_due_at"]) == due
    supervisors = sorted([staff["supervisor"].id, staff["supervisor2"].id], key=str)
    oid = uuid.UUID(order["id"])

    assert await scan(sessionmaker, warning_at - TICK) == 0
    assert (await read(client, factory, staff, order))["sla"]["state"] == "ok"
    assert await sla_events(sessionmaker, order["id"]) == []
    assert await notices(sessionmaker) == []

    assert await scan(sessionmaker, warning_at) == 1
    got = await read(client, factory, staff, order)
    assert got["sla"]["state"] == "warning"
    assert got["version"] == order["version"]  # derived state: an engineer's If-Match still holds
    assert await sla_events(sessionmaker, order["id"]) == ["sla_warning"]
    warned = sorted([(s, "sla_warning", oid) for s in supervisors], key=str)
    assert await notices(sessionmaker) == warned

    # Idempotent: the same instant, or any before the breach, changes nothing.
    assert await scan(sessionmaker, warning_at) == 0
    assert await scan(sessionmaker, due - TICK) == 0
    assert await sla_events(sessionmaker, order["id"]) == ["sla_warning"]
    assert await notices(sessionmaker) == warned

    assert await scan(sessionmaker, due) == 1
    got = await read(client, factory, staff, order)
    assert got["sla"]["state"] == "breached"
    assert await sla_events(sessionmaker, order["id"]) == ["sla_warning", "sla_breached"]
    breached = sorted(warned + [(s, "sla_breached", oid) for s in supervisors], key=str)
    assert await notices(sessionmaker) == breached

    assert await scan(sessionmaker, due + timedelta(days=365)) == 0
    assert await sla_events(sessionmaker, order["id"]) == ["sla_warning", "sla_breached"]
    assert await notices(sessionmaker) == breached

    # The supervisor sees the notice in the API, with the order it is about.
    listed = await client.get("/api/v1/notifications", headers=factory.headers(staff["supervisor"]))
    assert [(n["kind"], n["object_id"]) for n in listed.json()["items"]] == [
        ("sla_warning", order["id"]),
        ("sla_breached", order["id"]),
    ]
    assert order["number"] in listed.json()["items"][1]["title"]
    for nobody in ("clerk", "engineer", "customer"):
        mine = await client.get("/api/v1/notifications", headers=factory.headers(staff[nobody]))
        assert [n["kind"] for n in mine.json()["items"] if n["kind"].startswith("sla_")] == []
    timeline = await client.get(
        f"{API}/{order['id']}/timeline", headers=factory.headers(staff["clerk"])
    )
    actions = [e["action"] for e in timeline.json()["items"] if e["type"] == "event"]
    assert actions == ["created", "sla_warning", "sla_breached"]


async def test_an_order_far_past_its_due_time_goes_straight_to_breached(
    client, factory, staff, sessionmaker
):
    order = await new_order(client, factory, staff)
    assert await scan(sessionmaker, ts(order["due_at"]) + timedelta(days=1)) == 1
    assert await sla_events(sessionmaker, order["id"]) == ["sla_breached"]
    assert len(await notices(sessionmaker)) == 2


async def test_paused_clocks_are_not_flagged(client, factory, staff, sessionmaker):
    held = await new_order(client, factory, staff, "assign", "hold")
    reported = await new_order(client, factory, staff, "assign", "start", "report")
    assert (held["status"], reported["status"]) == ("on_hold", "reported")
    assert await scan(sessionmaker, datetime.now(UTC) + timedelta(days=400)) == 0
    for order in (held, reported):
        assert (await read(client, factory, staff, order))["sla"]["state"] == "ok"
        assert await sla_events(sessionmaker, order["id"]) == []
    assert await notices(sessionmaker) == []


async def test_the_response_clock_stops_once_work_starts(client, factory, staff, sessionmaker):
    order = await new_order(client, factory, staff, "assign", "start")
    created = ts(order["created_at"])
    resolve_warning = CAL.add(created, RESOLVE * 0.75)
    # Past the response due time, before the resolve warning: nothing to flag.
    assert await scan(sessionmaker, CAL.add(created, RESPONSE) + timedelta(hours=1)) == 0
    assert await scan(sessionmaker, resolve_warning - TICK) == 0
    assert (await read(client, factory, staff, order))["sla"]["state"] == "ok"
    # The resolve clock still runs.
    assert await scan(sessionmaker, resolve_warning) == 1
    assert await sla_events(sessionmaker, order["id"]) == ["sla_warning"]


async def test_finished_orders_are_not_flagged(client, factory, staff, sessionmaker):
    finished = [
        await new_order(client, factory, staff, "cancel"),
        await new_order(client, factory, staff, "assign", "start", "report", "confirm"),
        await new_order(client, factory, staff, "assign", "start", "report", "confirm", "close"),
    ]
    assert [o["status"] for o in finished] == ["cancelled", "confirmed", "closed"]
    assert await scan(sessionmaker, datetime.now(UTC) + timedelta(days=400)) == 0
    assert await notices(sessionmaker) == []


async def test_overdue_field_and_filter_agree(client, factory, staff, sessionmaker):
    late = await new_order(client, factory, staff, "assign", "start")
    late_reported = await new_order(client, factory, staff, "assign", "start", "report")
    fresh = await new_order(client, factory, staff, "assign")
    long_ago = datetime.now(UTC) - timedelta(days=30)
    table = ServiceOrder.__table__
    async with sessionmaker() as session:
        for order in (late, late_reported):
            await session.execute(
                update(table)
                .where(table.c.id == uuid.UUID(order["id"]))
                .values(created_at=long_ago, responded_at=long_ago + timedelta(minutes=5))
            )
        await session.commit()
    async with unit_of_work(sessionmaker) as session:
        assert await recompute_open_orders(session, None) == 2

    clerk = factory.headers(staff["clerk"])
    by_id = {o["id"]: o for o in (await client.get(API, headers=clerk)).json()["items"]}
    assert by_id[late["id"]]["overdue"] is True
    assert ts(by_id[late["id"]]["due_at"]) == CAL.add(long_ago, RESOLVE)
    assert by_id[late_reported["id"]]["overdue"] is False  # waiting for the customer
    assert by_id[fresh["id"]]["overdue"] is False
    overdue = (await client.get(API, params={"overdue": "true"}, headers=clerk)).json()["items"]
    assert [o["id"] for o in overdue] == [late["id"]]
    on_time = (await client.get(API, params={"overdue": "false"}, headers=clerk)).json()["items"]
    assert {o["id"] for o in on_time} == {late_reported["id"], fresh["id"]}

    # The recompute already judged both late orders breached (the reported one was reported
    # after its due time) and told the two supervisors; the watcher has nothing left to do.
    for order in (late, late_reported):
        assert by_id[order["id"]]["sla"]["state"] == "breached"
        assert await sla_events(sessionmaker, order["id"]) == ["sla_recomputed", "sla_breached"]
    assert by_id[fresh["id"]]["sla"]["state"] == "ok"
    assert await scan(sessionmaker) == 0
    assert len(await notices(sessionmaker)) == 2 * 2


async def test_two_scanners_at_once_flag_each_order_exactly_once(
    client, factory, staff, sessionmaker
):
    """PostgreSQL: SKIP LOCKED splits the rows. SQLite: the writers queue; the second finds the
    rows already moved on and leaves them."""
    orders = [await new_order(client, factory, staff) for _ in range(6)]
    later = datetime.now(UTC) + timedelta(days=400)
    results = await asyncio.gather(scan(sessionmaker, later), scan(sessionmaker, later))
    assert sum(results) == len(orders)
    for order in orders:
        assert await sla_events(sessionmaker, order["id"]) == ["sla_breached"]
    assert len(await notices(sessionmaker)) == 2 * len(orders)
    assert await scan(sessionmaker, later) == 0


@pytest.mark.skipif(IS_POSTGRES, reason="PostgreSQL: the scan's row lock makes the hold wait")
async def test_a_scan_leaves_an_order_that_changed_after_it_was_read(
    client, factory, staff, sessionmaker, monkeypatch
):
    """SQLite has no row locks: an engineer may put the order on hold between the scan's read
    and its write. The write then finds the order changed and leaves it to the next scan."""
    order = await new_order(client, factory, staff, "assign")
    real_supervisor_ids = sla_worker.supervisor_ids

    async def hold_meanwhile(session):
        response = await act(
            client,
            factory.headers(staff["engineer"]),
            order["id"],
            "hold",
            {"reason": "Customer away"},
        )
        assert response.status_code == 200, response.text
        return await real_supervisor_ids(session)

    monkeypatch.setattr(sla_worker, "supervisor_ids", hold_meanwhile)
    assert await scan(sessionmaker, datetime.now(UTC) + timedelta(days=400)) == 0
    got = await read(client, factory, staff, order)
    assert (got["status"], got["sla"]["state"]) == ("on_hold", "ok")
    assert await sla_events(sessionmaker, order["id"]) == []
    assert await notices(sessionmaker) == []


# --- where the watcher runs ------------------------------------------------------------------


async def test_the_api_runs_the_watcher_in_process_until_shutdown(
    engine, client, factory, staff, sessionmaker
):
    order = await new_order(client, factory, staff)
    past = datetime.now(UTC) - timedelta(minutes=1)
    table = ServiceOrder.__table__
    async with sessionmaker() as session:
        await session.execute(
            update(table)
            .where(table.c.id == uuid.UUID(order["id"]))
            .values(response_warning_at=past, response_due_at=past)
        )
        await session.commit()
    app = build_app(engine, sla_worker_in_process=True, sla_worker_interval_seconds=0.05)
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if await sla_events(sessionmaker, order["id"]):
                break
            await asyncio.sleep(0.05)
    assert await sla_events(sessionmaker, order["id"]) == ["sla_breached"]
    assert (await read(client, factory, staff, order))["sla"]["state"] == "breached"


def test_the_worker_command_refuses_a_useless_interval(capsys):
    assert cli.main(["worker", "--interval", "0"]) == 2
    assert "--interval" in capsys.readouterr().err


async def test_the_worker_command_scans_and_stops_cleanly_on_sigterm(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}"
    env = {**os.environ, "DATABASE_URL": url, "AFTERCARE_ENV": "test"}
    env.pop("SLA_WORKER_IN_PROCESS", None)
    migrated = subprocess.run(
        [*aftercare_command(), "migrate"], env=env, capture_output=True, text=True, timeout=60
    )
    assert migrated.returncode == 0, migrated.stderr

    # One order long past its due time, for the worker to find.
    engine = create_engine(url)
    order_id = await _insert_overdue_order(create_sessionmaker(engine))

    worker = subprocess.Popen(
        [*aftercare_command(), "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        state = None
        for _ in range(40):
            await asyncio.sleep(0.1)
            async with create_sessionmaker(engine)() as session:
                state = await session.scalar(
                    select(ServiceOrder.sla_state).where(ServiceOrder.id == order_id)
                )
            if state == "breached":
                break
        assert state == "breached"
        assert worker.poll() is None  # still running between scans
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        await engine.dispose()
    assert worker.returncode == 0, err
    assert out.splitlines() == [
        "SLA worker scanning every 0.2 s; Ctrl-C stops it",
        "SLA worker stopped",
    ]
    assert "sla scan moved 1 orders" in err  # the log


async def _insert_overdue_order(sessionmaker) -> uuid.UUID:
    from app.db.models import Customer

    long_ago = datetime.now(UTC) - timedelta(days=30)
    customer = Customer(code="C-W", name="Worker test")
    order = ServiceOrder(
        number="SO-2026-900001",
        kind="remote",
        channel="phone",
        customer_id=customer.id,
        subject="Overdue",
        priority="normal",
        status="new",
        created_at=long_ago,
        response_due_at=long_ago + timedelta(days=1),
        response_warning_at=long_ago + timedelta(hours=20),
        due_at=long_ago + timedelta(days=7),
        resolve_warning_at=long_ago + timedelta(days=5),
    )
    async with sessionmaker() as session:
        session.add(customer)
        await session.flush()
        session.add(order)
        await session.commit()
    return order.id


def test_the_watcher_indexes_name_exactly_the_running_states():
    # The partial indexes and the scan's WHERE spell the running states as literal SQL (so a
    # generic prepared plan can still use them); they must be the workflow's running group.
    from app.db.models.indexes import SLA_ARMS
    from app.domain.service_orders.sla_worker import RUNNING_STATES

    literal = "status IN (" + ", ".join(f"'{s}'" for s in RUNNING_STATES) + ")"
    assert all(where.startswith(literal + " AND ") for _, where in SLA_ARMS)
