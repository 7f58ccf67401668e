"""Builders for external-repair tests. Repair orders are inserted directly (their own routes are
another area's): a diagnosed order routed external, assigned to an engineer."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from app.db.models import ExternalRepair, RepairOrder
from app.db.models.repairs import RepairOrderStatus, RepairRoute, RouteReason
from tests.support import Factory

API = "/api/v1/external-repairs"


async def repair_order(
    factory: Factory,
    *,
    assignee: Any = None,
    owner: Any = None,
    status: RepairOrderStatus = RepairOrderStatus.diagnosed,
) -> RepairOrder:
    customer = await factory.customer()
    device = await factory.device(customer)
    order = RepairOrder(
        number=f"RO-T-{uuid.uuid4().hex[:8]}",
        customer_id=customer.id,
        device_id=device.id,
        received_at=datetime.now(UTC),
        owner_id=owner.id if owner else None,
        fault_description="no power",
        intake={"appearance": "scratched", "configuration": "base", "accessories": "none"},
        assignee_id=assignee.id if assignee else None,
        status=status,
        diagnosis="power board",
        route=RepairRoute.external,
        route_reason=RouteReason.in_warranty,
        in_warranty=True,
    )
    await factory.add(order)
    return order


def later(days: float = 7) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


CONTACT = {"person": "Ms. Li", "channel": "phone", "notes": "they will take it"}


def send_body(**fields: Any) -> dict[str, Any]:
    return {
        "pickup_receipt_no": "PR-001",
        "expected_back_at": later(),
        "follow_up_every_days": 3,
        **fields,
    }


RECEIVE = {"result": "repaired", "vendor_report": "replaced the board", "cost": "1280.50"}


async def load_order(factory: Factory, order_id: Any) -> RepairOrder:
    async with factory.sessionmaker() as session:
        row = await session.get(RepairOrder, uuid.UUID(str(order_id)))
        assert row is not None
        return row


async def set_columns(factory: Factory, attempt_id: Any, **values: Any) -> None:
    """Freeze time the other way round: move an attempt's due instants into the past."""
    async with factory.sessionmaker() as session:
        await session.execute(
            update(ExternalRepair)
            .where(ExternalRepair.id == uuid.UUID(str(attempt_id)))
            .values(**values)
        )
        await session.commit()


async def attempt_in(client: Any, factory: Factory, users: Any, state: str, **order: Any) -> Any:
    """An attempt (for a new repair order) brought to `planned`, `contacted` or `at_vendor`."""
    clerk = factory.headers(users["clerk"])
    vendor = order.pop("vendor", None) or await factory.vendor()
    found = await repair_order(factory, **order)
    body = {"repair_order_id": str(found.id), "vendor_id": str(vendor.id)}
    response = await client.post(API, json=body, headers=clerk)
    assert response.status_code == 201, response.text
    steps = {"planned": [], "contacted": ["contact"], "at_vendor": ["contact", "send"]}[state]
    for action in steps:
        step_body = CONTACT if action == "contact" else send_body()
        response = await client.post(
            f"{API}/{response.json()['id']}/{action}", json=step_body, headers=clerk
        )
        assert response.status_code == 200, response.text
    return response.json()
