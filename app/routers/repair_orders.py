import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.auth.dependencies import CurrentUser, Staff, Supervisor
from app.db.models import RepairOrder
from app.domain.repair_orders import records, service
from app.domain.repair_orders.actions import REPAIR_ORDERS
from app.domain.repair_orders.schemas import (
    CloseBody,
    DeliverBody,
    DiagnoseBody,
    FinishRepairBody,
    PartCreate,
    PartRead,
    ProcessRecordCreate,
    ProcessRecordRead,
    ReinspectBody,
    RepairAssignBody,
    RepairOrderCreate,
    RepairOrderRead,
    SendOutBody,
    WarrantyOverrideBody,
)
from app.domain.schemas import EmptyBody, Page, ReasonBody, read_for
from app.domain.service_orders.schemas import ConfirmBody
from app.http.actions import ActionCall, action_runner
from app.http.deps import IfMatch, JsonRouter, Paging, Session, set_etag
from app.routers.escalation import add_escalate_route
from app.routers.history import History, add_history_routes

router = JsonRouter(prefix="/repair-orders", tags=["repair-orders"])

Act = Annotated[ActionCall[RepairOrder], Depends(action_runner(REPAIR_ORDERS, service.read_one))]


@router.get("")
async def list_repair_orders(
    session: Session,
    user: CurrentUser,
    page: Paging,
    filters: Annotated[service.RepairOrderQuery, Query()],
) -> Page[RepairOrderRead]:
    """List the repair orders you may see, with filters (status repeatable)."""
    result = await service.list_orders(session, user, filters, page)
    view = await service.view_for(session, result.items)
    return Page(
        items=[service.to_read(o, user, view) for o in result.items],
        next_cursor=result.next_cursor,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def receive_repair_order(
    session: Session, user: CurrentUser, body: RepairOrderCreate, response: Response
) -> RepairOrderRead:
    """Receive a faulty device with its intake inspection (office); a new device inline."""
    order = await service.receive_order(session, user, body)
    await session.flush()
    set_etag(response, order)
    return await service.read_one(session, user, order)


@router.get("/{order_id}")
async def get_repair_order(
    session: Session, user: CurrentUser, order_id: uuid.UUID, response: Response
) -> RepairOrderRead:
    """Return one repair order with its parts and totals."""
    order = await service.get_order(session, user, order_id)
    set_etag(response, order)
    return await service.read_one(session, user, order)


@router.post("/{order_id}/warranty-override")
async def override_repair_order_warranty(
    session: Session,
    user: Supervisor,
    order_id: uuid.UUID,
    body: WarrantyOverrideBody,
    version: IfMatch,
    response: Response,
) -> RepairOrderRead:
    """Override the server's warranty decision with a reason (supervisor)."""
    order = await records.override_warranty(session, user, order_id, body, version)
    set_etag(response, order)
    return await service.read_one(session, user, order)


@router.post("/{order_id}/parts", status_code=status.HTTP_201_CREATED)
async def add_repair_order_part(
    session: Session, user: Staff, order_id: uuid.UUID, body: PartCreate
) -> PartRead:
    """Record a part used (the assignee or the office); billed as the warranty decided."""
    _, part = await records.add_part(session, user, order_id, body)
    return read_for(PartRead, part, staff=True, line_total=part.unit_cost * part.quantity)


@router.post("/{order_id}/process-records", status_code=status.HTTP_201_CREATED)
async def add_repair_order_process_record(
    session: Session, user: Staff, order_id: uuid.UUID, body: ProcessRecordCreate
) -> ProcessRecordRead:
    """Write a step of the repair process record (the assignee or the office; staff only)."""
    return await records.add_process_record(session, user, order_id, body)


@router.get("/{order_id}/process-records")
async def list_repair_order_process_records(
    session: Session, user: Staff, order_id: uuid.UUID, page: Paging
) -> Page[ProcessRecordRead]:
    """The repair process record, oldest first (staff only)."""
    result = await records.list_process_records(session, user, order_id, page)
    return Page(items=list(result.items), next_cursor=result.next_cursor)


@router.post("/{order_id}/assign")
async def assign_repair_order(
    order_id: uuid.UUID, body: RepairAssignBody, act: Act
) -> RepairOrderRead:
    """Assign (or re-assign) the repair engineer."""
    return await act("assign", order_id, body)


@router.post("/{order_id}/diagnose")
async def diagnose_repair_order(
    order_id: uuid.UUID, body: DiagnoseBody, act: Act
) -> RepairOrderRead:
    """Record the diagnosis and route (the assignee); the warranty is decided on the server."""
    return await act("diagnose", order_id, body)


@router.post("/{order_id}/start_repair")
async def start_repair_repair_order(
    order_id: uuid.UUID, act: Act, body: EmptyBody | None = None
) -> RepairOrderRead:
    """Start repairing in house (the assignee)."""
    return await act("start_repair", order_id, body)


@router.post("/{order_id}/send_out")
async def send_out_repair_order(
    order_id: uuid.UUID, body: SendOutBody, act: Act
) -> RepairOrderRead:
    """Send the device to an outside station: plans the next external repair attempt."""
    return await act("send_out", order_id, body)


@router.post("/{order_id}/finish_repair")
async def finish_repair_repair_order(
    order_id: uuid.UUID, body: FinishRepairBody, act: Act
) -> RepairOrderRead:
    """Finish the repair with its outcome and summary (the assignee); re-inspection follows."""
    return await act("finish_repair", order_id, body)


@router.post("/{order_id}/reinspect")
async def reinspect_repair_order(
    order_id: uuid.UUID, body: ReinspectBody, act: Act
) -> RepairOrderRead:
    """Re-inspect before the device goes back (an engineer): pass → ready, fail → repairing."""
    return await act("reinspect", order_id, body)


@router.post("/{order_id}/return_unrepaired")
async def return_unrepaired_repair_order(
    order_id: uuid.UUID, body: ReasonBody, act: Act
) -> RepairOrderRead:
    """No station could repair it: back to re-inspection before it is returned (office)."""
    return await act("return_unrepaired", order_id, body)


@router.post("/{order_id}/deliver")
async def deliver_repair_order(order_id: uuid.UUID, body: DeliverBody, act: Act) -> RepairOrderRead:
    """Hand the re-inspected device back (office), to whom and how."""
    return await act("deliver", order_id, body)


@router.post("/{order_id}/confirm")
async def confirm_repair_order(
    order_id: uuid.UUID, act: Act, body: ConfirmBody | None = None
) -> RepairOrderRead:
    """Record the customer's confirmation (office, with the channel) or confirm (customer)."""
    return await act("confirm", order_id, body)


@router.post("/{order_id}/close")
async def close_repair_order(
    order_id: uuid.UUID, act: Act, body: CloseBody | None = None
) -> RepairOrderRead:
    """Close a confirmed repair order (office); it needs its repair summary."""
    return await act("close", order_id, body)


@router.post("/{order_id}/cancel")
async def cancel_repair_order(order_id: uuid.UUID, body: ReasonBody, act: Act) -> RepairOrderRead:
    """Cancel before the repair starts, with a reason (office)."""
    return await act("cancel", order_id, body)


add_escalate_route(router, REPAIR_ORDERS, noun="repair_order")

add_history_routes(
    router,
    History(
        noun="repair_order",
        path_param="order_id",
        object_type=RepairOrder.object_type,
        load=service.get_order,
        public=service.PUBLIC_CHANGES,
        timeline_doc="Everything that happened to the repair order, oldest first (customers: "
        "public entries; never vendors, process records or costs billed elsewhere).",
        records_doc="Write down a contact or note (customers: messages only, size- and "
        "rate-limited).",
    ),
    record_writer=CurrentUser,
)
