"""Late orders are announced whenever lateness is found, and a held order is overdue only if it
was late before the hold stopped its clock."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from app.db.models import Event, Notification, ServiceOrder, SlaPause, User
from tests.service_orders.helpers import API, act, order_body, window
from tests.service_orders.test_sla import advance, open_order, rewrite_order
from tests.support import assert_problem


async def _count(sessionmaker, model, *where) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_a_late_start_is_announced_at_once(client, factory, users, sessionmaker):
    order = await open_order(client, factory, users, priority="urgent")
    await advance(client, factory, users, order, "assign")
    await rewrite_order(
        sessionmaker, order["id"], created_at=datetime.now(UTC) - timedelta(days=10)
    )
    started = await advance(client, factory, users, order, "start")
    assert started["sla"]["state"] == "breached"
    oid = uuid.UUID(order["id"])
    assert (
        await _count(sessionmaker, Event, Event.object_id == oid, Event.action == "sla_breached")
        == 1
    )
    assert (
        await _count(
            sessionmaker,
            Notification,
            Notification.object_id == oid,
            Notification.kind == "sla_breached",
            Notification.user_id == users["supervisor"].id,
        )
        == 1
    )


async def test_hold_of_a_late_order_keeps_it_overdue(client, factory, users, sessionmaker):
    order = await open_order(client, factory, users, priority="urgent")
    await rewrite_order(
        sessionmaker, order["id"], created_at=datetime.now(UTC) - timedelta(days=10)
    )
    held = await advance(client, factory, users, order, "assign", "hold")
    assert held["overdue"] is True
    assert held["sla"]["state"] == "breached"
    clerk = factory.headers(users["clerk"])
    listed = await client.get(f"{API}?overdue=true", headers=clerk)
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]


async def test_time_on_hold_does_not_make_an_order_overdue(client, factory, users, sessionmaker):
    order = await open_order(client, factory, users)
    held = await advance(client, factory, users, order, "assign", "hold")
    assert held["overdue"] is False and held["sla"]["paused"] is True
    # The hold began ten days ago, well before the (frozen) due time, which has now passed.
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        await session.execute(
            update(SlaPause)
            .where(SlaPause.order_id == uuid.UUID(order["id"]))
            .values(started_at=now - timedelta(days=10))
        )
        await session.execute(
            update(ServiceOrder)
            .where(ServiceOrder.id == uuid.UUID(order["id"]))
            .values(due_at=now - timedelta(days=1))
        )
        await session.commit()
    clerk = factory.headers(users["clerk"])
    read = (await client.get(f"{API}/{order['id']}", headers=clerk)).json()
    assert read["overdue"] is False
    assert (await client.get(f"{API}?overdue=true", headers=clerk)).json()["items"] == []
    not_overdue = await client.get(f"{API}?overdue=false", headers=clerk)
    assert [o["id"] for o in not_overdue.json()["items"]] == [order["id"]]


async def test_a_report_waiting_for_confirmation_shows_the_clock_paused(client, factory, users):
    order = await open_order(client, factory, users)
    reported = await advance(client, factory, users, order, "assign", "start", "report")
    assert reported["status"] == "reported"
    assert reported["sla"]["paused"] is True
    reopened = await advance(client, factory, users, order, "reopen")
    assert reopened["sla"]["paused"] is False


async def test_assigning_the_same_engineer_again_changes_nothing(client, factory, users):
    order = await open_order(client, factory, users)
    first = await advance(client, factory, users, order, "assign")
    again = await advance(client, factory, users, order, "assign")
    assert again["version"] == first["version"]
    timeline = await client.get(
        f"{API}/{order['id']}/timeline", headers=factory.headers(users["clerk"])
    )
    assert [e["action"] for e in timeline.json()["items"]] == ["created", "assign"]
    notes = await client.get("/api/v1/notifications", headers=factory.headers(users["engineer"]))
    assert len(notes.json()["items"]) == 1


async def test_customers_cannot_set_the_erp_key(client, factory, users):
    customer = users["customer"]
    body = order_body(customer.customer_id, channel="portal", external_ref="ERP-1")
    response = await client.post(API, json=body, headers=factory.headers(customer))
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "external_ref"


async def test_booking_an_engineer_does_not_touch_the_engineer(
    client, factory, users, sessionmaker
):
    engineer = users["engineer"]
    async with sessionmaker() as session:
        before = await session.scalar(select(User.updated_at).where(User.id == engineer.id))
    start, end = window()
    created = await client.post(
        API,
        json=order_body(
            users["customer"].customer_id,
            kind="onsite",
            appointment_start=start,
            appointment_end=end,
        ),
        headers=factory.headers(users["clerk"]),
    )
    assigned = await act(
        client,
        factory.headers(users["clerk"]),
        created.json()["id"],
        "assign",
        {"assignee_id": str(engineer.id)},
    )
    assert assigned.status_code == 200, assigned.text
    async with sessionmaker() as session:
        after = await session.scalar(select(User.updated_at).where(User.id == engineer.id))
    assert after == before
