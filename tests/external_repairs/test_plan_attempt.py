"""The checks every new external repair attempt passes, whichever endpoint starts it."""

import uuid

import pytest

from app.db.models import ExternalRepair, RepairOrder, Role
from app.db.models.repairs import ExternalRepairStatus, RepairOrderStatus
from app.domain.errors import Conflict, ValidationFailed
from app.domain.external_repairs.attempts import plan_attempt
from tests.external_repairs.helpers import repair_order


async def _order(factory, status: RepairOrderStatus) -> RepairOrder:
    return await repair_order(factory, status=status)


async def _plan(sessionmaker, factory, order: RepairOrder, vendor_id: uuid.UUID):
    clerk = await factory.user(Role.clerk)
    async with sessionmaker() as session, session.begin():
        row = await session.get(RepairOrder, order.id)
        assert row is not None
        return await plan_attempt(session, clerk, row, vendor_id)


async def test_attempts_are_numbered_per_repair_order(sessionmaker, factory):
    order = await _order(factory, RepairOrderStatus.diagnosed)
    first, second = await factory.vendor(), await factory.vendor()
    attempt = await _plan(sessionmaker, factory, order, first.id)
    assert (attempt.attempt, attempt.status) == (1, ExternalRepairStatus.planned)

    with pytest.raises(Conflict, match="already has an open"):
        await _plan(sessionmaker, factory, order, second.id)

    async with sessionmaker() as session, session.begin():
        row = await session.get(ExternalRepair, attempt.id)
        assert row is not None
        row.status = ExternalRepairStatus.unrepairable
    with pytest.raises(Conflict, match="already failed"):
        await _plan(sessionmaker, factory, order, first.id)
    assert (await _plan(sessionmaker, factory, order, second.id)).attempt == 2


async def test_an_inactive_or_unknown_vendor_is_refused(sessionmaker, factory):
    order = await _order(factory, RepairOrderStatus.repairing)
    retired = await factory.vendor(active=False)
    for vendor_id, message in ((retired.id, "not active"), (uuid.uuid4(), "no such vendor")):
        with pytest.raises(ValidationFailed, match=message):
            await _plan(sessionmaker, factory, order, vendor_id)


async def test_a_repair_order_not_yet_diagnosed_cannot_go_out(sessionmaker, factory):
    order = await _order(factory, RepairOrderStatus.assigned)
    vendor = await factory.vendor()
    with pytest.raises(Conflict, match="cannot go to an outside station"):
        await _plan(sessionmaker, factory, order, vendor.id)
