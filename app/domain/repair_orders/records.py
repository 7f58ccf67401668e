"""What is written on a repair order besides its workflow actions: the parts used, the repair
process record (产品维修过程记录) and a supervisor's warranty override. Each locks the order
first, like an action, and writes one event on it."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OFFICE_ROLES, RepairOrder, RepairPart, RepairProcessRecord, Role, User
from app.db.models.repairs import BilledTo
from app.db.repositories.locks import lock_row
from app.domain.common import check_version
from app.domain.errors import Conflict, Forbidden
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.repair_orders.schemas import (
    PartCreate,
    ProcessRecordCreate,
    ProcessRecordRead,
    WarrantyOverrideBody,
)
from app.domain.repair_orders.service import get_order, order_event
from app.domain.repair_orders.workflow import REPAIR_ORDER
from app.domain.users.summaries import load_people

RECORD_SORTS = {"created_at": col(RepairProcessRecord.created_at)}


async def _locked(
    session: AsyncSession, user: User, order_id: uuid.UUID, group: str, version: int | None
) -> RepairOrder:
    await lock_row(session, RepairOrder, order_id)
    order = await get_order(session, user, order_id)
    check_version(order, version)
    if order.status not in REPAIR_ORDER.group(group):
        raise Conflict(
            f"not possible while the repair order is '{order.status}'",
            current_status=str(order.status),
        )
    return order


def _office_or_assignee(order: RepairOrder, user: User, what: str) -> None:
    if user.role not in OFFICE_ROLES and order.assignee_id != user.id:
        raise Forbidden(f"only the office or the assignee {what}")


async def override_warranty(
    session: AsyncSession,
    actor: User,
    order_id: uuid.UUID,
    body: WarrantyOverrideBody,
    version: int | None,
) -> RepairOrder:
    """A supervisor overrides the server's warranty decision; the reason is kept."""
    if actor.role != Role.supervisor:
        raise Forbidden("only a supervisor overrides the warranty decision")
    order = await _locked(session, actor, order_id, "warranty_open", version)
    assert order.warranty is not None  # decided at diagnosis, before every such state
    previous = order.warranty["in_warranty"]
    order.warranty = {
        **order.warranty,
        "in_warranty": body.in_warranty,
        "overridden_by": str(actor.id),
        "override_reason": body.reason,
    }
    order.in_warranty = body.in_warranty
    changes = {"in_warranty": [previous, body.in_warranty], "reason": body.reason}
    order_event(session, actor, order, "warranty_overridden", changes, from_status=order.status)
    await session.flush()
    return order


async def add_part(
    session: AsyncSession, actor: User, order_id: uuid.UUID, body: PartCreate
) -> tuple[RepairOrder, RepairPart]:
    """Record a part used; billed to the warranty or the customer as the warranty decided,
    unless the body says otherwise."""
    order = await _locked(session, actor, order_id, "takes_parts", None)
    _office_or_assignee(order, actor, "records parts")
    default = BilledTo.warranty if order.in_warranty else BilledTo.customer
    part = RepairPart(
        repair_order_id=order.id,
        **body.model_dump(exclude={"billed_to"}),
        billed_to=body.billed_to or default,
        added_by_id=actor.id,
    )
    session.add(part)
    await session.flush()
    # A customer sees the parts it pays for, never what the warranty or a vendor covers.
    public = part.billed_to == BilledTo.customer
    order_event(
        session,
        actor,
        order,
        "part_added",
        {
            "part_id": part.id,
            **body.model_dump(exclude_none=True),
            "billed_to": part.billed_to,
        },
        public=public,
    )
    return order, part


async def add_process_record(
    session: AsyncSession, actor: User, order_id: uuid.UUID, body: ProcessRecordCreate
) -> ProcessRecordRead:
    order = await _locked(session, actor, order_id, "in_work", None)
    _office_or_assignee(order, actor, "writes the repair process record")
    record = RepairProcessRecord(repair_order_id=order.id, author_id=actor.id, **body.model_dump())
    session.add(record)
    await session.flush()
    changes = {"process_record_id": record.id, **body.model_dump(exclude_none=True)}
    order_event(session, actor, order, "process_recorded", changes, public=False)  # staff only
    people = await load_people(session, [actor.id])
    return ProcessRecordRead(**record.model_dump(), author=people.get(actor.id))


async def list_process_records(
    session: AsyncSession, user: User, order_id: uuid.UUID, page: PageParams
) -> PageResult[ProcessRecordRead]:
    order = await get_order(session, user, order_id)
    stmt = select(RepairProcessRecord).where(col(RepairProcessRecord.repair_order_id) == order.id)
    result = await paginate(session, stmt, RepairProcessRecord, page, RECORD_SORTS)
    people = await load_people(session, [r.author_id for r in result.items])
    return PageResult(
        items=[
            ProcessRecordRead(**r.model_dump(), author=people.get(r.author_id))
            for r in result.items
        ],
        next_cursor=result.next_cursor,
    )
