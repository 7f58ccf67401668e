import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.dependencies import CurrentUser
from app.db.models import ServiceOrder, User
from app.domain.schemas import EmptyBody, Page, ReasonBody
from app.domain.service_orders import service
from app.domain.service_orders.actions import SERVICE_ORDERS
from app.domain.service_orders.schemas import (
    AssignBody,
    ConfirmBody,
    HoldBody,
    ReportBody,
    ServiceOrderCreate,
    ServiceOrderRead,
    ServiceOrderUpdate,
)
from app.http.actions import ActionCall, action_runner
from app.http.deps import JsonRouter, Paging, RequiredIfMatch, Session, set_etag
from app.routers.escalation import add_escalate_route
from app.routers.history import History, add_history_routes

router = JsonRouter(prefix="/service-orders", tags=["service-orders"])


async def _answer(
    session: AsyncSession, user: User, order: ServiceOrder, response: Response
) -> ServiceOrderRead:
    await session.flush()
    set_etag(response, order)
    return await service.read_one(session, user, order)


Act = Annotated[ActionCall[ServiceOrder], Depends(action_runner(SERVICE_ORDERS, service.read_one))]


@router.get("")
async def list_service_orders(
    session: Session,
    user: CurrentUser,
    page: Paging,
    filters: Annotated[service.OrderQuery, Query()],
) -> Page[ServiceOrderRead]:
    """List the service orders you may see, with filters (status and priority repeatable)."""
    result = await service.list_orders(session, user, filters, page)
    view = await service.view_for(session, result.items)
    return Page(
        items=[service.to_read(o, user, view) for o in result.items],
        next_cursor=result.next_cursor,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_service_order(
    session: Session, user: CurrentUser, body: ServiceOrderCreate, response: Response
) -> ServiceOrderRead:
    """Take a service request (office), or open one through the portal (customer)."""
    order = await service.create_order(session, user, body)
    return await _answer(session, user, order, response)


@router.get("/{order_id}")
async def get_service_order(
    session: Session, user: CurrentUser, order_id: uuid.UUID, response: Response
) -> ServiceOrderRead:
    """Return one service order, with its signature if signed."""
    order = await service.get_order(session, user, order_id)
    set_etag(response, order)
    return await service.read_one(session, user, order)


@router.patch("/{order_id}")
async def update_service_order(
    session: Session,
    user: CurrentUser,
    order_id: uuid.UUID,
    body: ServiceOrderUpdate,
    version: RequiredIfMatch,
    response: Response,
    force: Annotated[bool, Query(description="keep an overlapping appointment")] = False,
) -> ServiceOrderRead:
    """Edit an open order's details or appointment (office; If-Match required)."""
    order = await service.update_order(session, user, order_id, body, version, force)
    return await _answer(session, user, order, response)


@router.post("/{order_id}/assign")
async def assign_service_order(order_id: uuid.UUID, body: AssignBody, act: Act) -> ServiceOrderRead:
    """Assign (or re-assign) an engineer; on site, overlapping appointments need force."""
    return await act("assign", order_id, body)


@router.post("/{order_id}/start")
async def start_service_order(
    order_id: uuid.UUID, act: Act, body: EmptyBody | None = None
) -> ServiceOrderRead:
    """Start work (the assignee); the response clock stops."""
    return await act("start", order_id, body)


@router.post("/{order_id}/hold")
async def hold_service_order(order_id: uuid.UUID, body: HoldBody, act: Act) -> ServiceOrderRead:
    """Put the order on hold with an internal reason (and optionally a message for the
    customer); the SLA clock stops."""
    return await act("hold", order_id, body)


@router.post("/{order_id}/resume")
async def resume_service_order(
    order_id: uuid.UUID, act: Act, body: EmptyBody | None = None
) -> ServiceOrderRead:
    """Resume a held order; the SLA clock runs again and due times move by the pause."""
    return await act("resume", order_id, body)


@router.post("/{order_id}/report")
async def report_service_order(order_id: uuid.UUID, body: ReportBody, act: Act) -> ServiceOrderRead:
    """Report the result (the assignee); on site with the signed service record."""
    return await act("report", order_id, body)


@router.post("/{order_id}/confirm")
async def confirm_service_order(
    order_id: uuid.UUID, act: Act, body: ConfirmBody | None = None
) -> ServiceOrderRead:
    """Record the customer's confirmation (office, with the channel) or confirm (customer)."""
    return await act("confirm", order_id, body)


@router.post("/{order_id}/reopen")
async def reopen_service_order(order_id: uuid.UUID, body: ReasonBody, act: Act) -> ServiceOrderRead:
    """Send a reported order back to work, with the reason."""
    return await act("reopen", order_id, body)


@router.post("/{order_id}/close")
async def close_service_order(
    order_id: uuid.UUID, act: Act, body: EmptyBody | None = None
) -> ServiceOrderRead:
    """Close a confirmed order; the customer gets the completion notice."""
    return await act("close", order_id, body)


@router.post("/{order_id}/cancel")
async def cancel_service_order(order_id: uuid.UUID, body: ReasonBody, act: Act) -> ServiceOrderRead:
    """Cancel the order with a reason (customers only while it is new)."""
    return await act("cancel", order_id, body)


add_history_routes(
    router,
    History(
        noun="service_order",
        path_param="order_id",
        object_type=ServiceOrder.object_type,
        load=service.get_order,
        public=service.PUBLIC_CHANGES,
        timeline_doc="Everything that happened to the order, oldest first (customers: public "
        "entries).",
        records_doc="Write down a contact or work step (customers: messages through the portal "
        "only, size- and rate-limited).",
    ),
    record_writer=CurrentUser,
)


add_escalate_route(router, SERVICE_ORDERS, noun="service_order")
