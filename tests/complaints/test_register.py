"""register_complaint: the one way a complaint is made (the route and a callback visit use it)."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import col

from app.db.models import CallbackVisit, Event, RepairOrder
from app.db.models.complaints import Complaint
from app.db.session import commit
from app.domain.complaints.service import register_complaint
from app.domain.errors import ValidationFailed
from tests.complaints.helpers import service_order_row


def _repair_order(customer_id: uuid.UUID, device_id: uuid.UUID) -> RepairOrder:
    return RepairOrder(
        number=f"RO-T-{uuid.uuid4().hex[:8]}",
        customer_id=customer_id,
        device_id=device_id,
        received_at=datetime.now(UTC),
        fault_description="dead",
        intake={"appearance": "ok", "configuration": "std", "accessories": ""},
        status="received",
    )


async def test_a_callback_complaint_is_numbered_linked_and_logged(factory, users, sessionmaker):
    customer = await factory.customer()
    device = await factory.device(customer)
    order, repair = service_order_row(customer.id), _repair_order(customer.id, device.id)
    visit = CallbackVisit(
        customer_id=customer.id,
        method="phone",
        status="completed",
        planned_at=datetime.now(UTC),
        topics=["the repair"],
    )
    await factory.add(order, repair, visit)
    visit_id = visit.id
    async with sessionmaker() as session:
        complaint = await register_complaint(
            session,
            users["clerk"],
            source="callback",
            customer_id=customer.id,
            complainant="Ms Li",
            description="The engineer came late twice",
            severity="high",
            service_order_id=order.id,
            repair_order_id=repair.id,
            visit_id=visit_id,
        )
        await commit(session)
    assert complaint.number.startswith("CP-") and complaint.status == "registered"
    assert complaint.owner_id == users["clerk"].id
    async with sessionmaker() as session:
        stored = await session.get(Complaint, complaint.id)
        events = (
            await session.scalars(select(Event).where(col(Event.object_id) == complaint.id))
        ).all()
    assert stored is not None and stored.visit_id == visit_id
    assert [(e.action, e.to_status) for e in events] == [("created", "registered")]
    assert events[0].changes["source"] == "callback"


@pytest.mark.parametrize("field", ["service_order_id", "repair_order_id"])
async def test_an_order_of_another_customer_is_refused(factory, users, sessionmaker, field):
    mine, theirs = await factory.customer(), await factory.customer()
    device = await factory.device(theirs)
    order, repair = service_order_row(theirs.id), _repair_order(theirs.id, device.id)
    await factory.add(order, repair)
    link = {"service_order_id": order.id, "repair_order_id": repair.id}[field]
    async with sessionmaker() as session:
        with pytest.raises(ValidationFailed) as refused:
            await register_complaint(
                session,
                users["clerk"],
                source="hotline",
                customer_id=mine.id,
                complainant="Mr Wang",
                description="Rude on the phone",
                severity="low",
                **{field: link},
            )
    assert refused.value.extra["errors"][0]["field"] == field
