"""The case watcher proposes repeat failures and SLA breaches, once each, never confirmed."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.db.models import Case, RepairOrder, ServiceOrder, SlaState
from app.db.session import unit_of_work
from app.db.types import utcnow
from app.domain.cases.findings import propose_found_cases


async def _repair(
    factory: Any, device: Any, number: str, received: Any, delivered: Any = None
) -> RepairOrder:
    row = RepairOrder(
        number=number,
        customer_id=device.customer_id,
        device_id=device.id,
        received_at=received,
        delivered_at=delivered,
        fault_description="No power",
        intake={"appearance": "ok", "configuration": "std", "accessories": "none"},
        status="delivered" if delivered else "received",
    )
    await factory.add(row)
    return row


async def _tick(sessionmaker: Any) -> int:
    async with unit_of_work(sessionmaker) as session:
        return await propose_found_cases(session)


async def _cases(sessionmaker: Any) -> list[Case]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Case).order_by(Case.created_at))).all())


async def test_a_device_back_within_90_days_is_proposed_once(sessionmaker, factory, users):
    now = utcnow()
    customer = await factory.customer()
    device, other = await factory.device(customer), await factory.device(customer)
    await _repair(
        factory, device, "RO-2026-000001", now - timedelta(days=120), now - timedelta(days=60)
    )
    again = await _repair(factory, device, "RO-2026-000002", now - timedelta(days=1))
    # Another device delivered long ago (over 90 days before it came back): no case.
    await _repair(
        factory, other, "RO-2026-000003", now - timedelta(days=200), now - timedelta(days=150)
    )
    await _repair(factory, other, "RO-2026-000004", now - timedelta(days=2))

    assert await _tick(sessionmaker) == 1
    assert await _tick(sessionmaker) == 0  # idempotent across ticks
    [case] = await _cases(sessionmaker)
    assert (case.status, case.criteria, case.source_type, case.source_id) == (
        "proposed",
        ["repeat_failure"],
        "repair_order",
        again.id,
    )
    assert case.proposed_by_id is None and "RO-2026-000001" in case.summary


async def test_an_sla_breach_is_proposed_once_and_a_rejection_is_not_undone(
    sessionmaker, factory, users, client
):
    customer = await factory.customer()
    order = ServiceOrder(
        number="SO-2026-000009",
        kind="remote",
        channel="phone",
        customer_id=customer.id,
        subject="Printer jams",
        priority="normal",
        status="in_progress",
        sla_state=SlaState.breached,
    )
    fine = ServiceOrder(
        number="SO-2026-000010",
        kind="remote",
        channel="phone",
        customer_id=customer.id,
        subject="Fine",
        priority="normal",
        status="in_progress",
    )
    await factory.add(order, fine)
    assert await _tick(sessionmaker) == 1
    [case] = await _cases(sessionmaker)
    assert (case.criteria, case.source_id, case.status) == (["sla_breached"], order.id, "proposed")
    # The order shows the watcher's case, and only the breached one (the case is bookkeeping
    # on the order: its version stays, so nobody's If-Match goes stale).
    staff = factory.headers(users["supervisor"])
    seen = (await client.get(f"/api/v1/service-orders/{order.id}", headers=staff)).json()
    assert (seen["case"]["id"], seen["version"]) == (str(case.id), order.version)
    untouched = (await client.get(f"/api/v1/service-orders/{fine.id}", headers=staff)).json()
    assert untouched["case"] is None
    rejected = await client.post(
        f"/api/v1/cases/{case.id}/reject",
        json={"reason": "Customer delayed us"},
        headers=factory.headers(users["supervisor"]),
    )
    assert rejected.status_code == 200, rejected.text
    assert await _tick(sessionmaker) == 0
    assert len(await _cases(sessionmaker)) == 1
    notices = await client.get(
        "/api/v1/notifications", headers=factory.headers(users["supervisor"])
    )
    assert [n["kind"] for n in notices.json()["items"]] == ["case_proposed"]
