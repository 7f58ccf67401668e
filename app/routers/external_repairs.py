"""External repairs (对外送修), one object per attempt at one station, and the office's
per-vendor figures. Customers get 404 from every route here: they never learn of vendors."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from app.auth.dependencies import CurrentUser
from app.db.models import ExternalRepair, User
from app.domain.external_repairs import figures, service
from app.domain.external_repairs.actions import EXTERNAL_REPAIRS
from app.domain.external_repairs.schemas import (
    ChaseBody,
    ContactBody,
    ExternalRepairCreate,
    ExternalRepairRead,
    ReceiveBody,
    SendBody,
    VendorFigures,
)
from app.domain.schemas import Page, ReasonBody
from app.domain.timeline import PublicChanges
from app.http.actions import ActionCall, action_runner
from app.http.deps import JsonRouter, Paging, Session, set_etag
from app.routers.history import History, add_history_routes

_HIDDEN: dict[int | str, dict[str, Any]] = {404: {"description": "customers never see these"}}
_OFFICE: dict[int | str, dict[str, Any]] = {**_HIDDEN, 403: {"description": "office only"}}

router = JsonRouter(prefix="/external-repairs", tags=["external-repairs"])
# The routes below other resources' paths (a repair order's attempts, a vendor's figures).
related = JsonRouter(tags=["external-repairs"])

Act = Annotated[
    ActionCall[ExternalRepair], Depends(action_runner(EXTERNAL_REPAIRS, service.read_one))
]


async def _visible(user: CurrentUser) -> User:
    service.hide_from_customers(user)
    return user


Reader = Annotated[User, Depends(_visible)]


@router.get("", responses=_HIDDEN)
async def list_external_repairs(
    session: Session,
    user: Reader,
    page: Paging,
    filters: Annotated[service.ExternalRepairQuery, Query()],
) -> Page[ExternalRepairRead]:
    """List external repair attempts; `follow_up_due=true` / `overdue=true` is the chase list."""
    result = await service.list_attempts(session, user, filters, page)
    return Page(
        items=await service.read_page(session, user, result.items), next_cursor=result.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=_HIDDEN)
async def create_external_repair(
    session: Session, user: CurrentUser, body: ExternalRepairCreate, response: Response
) -> ExternalRepairRead:
    """Plan an attempt at a station; the first one sends the repair order out (office)."""
    attempt = await service.create_attempt(session, user, body)
    await session.flush()
    set_etag(response, attempt)
    return await service.read_one(session, user, attempt)


@router.get("/vendor-figures", responses=_OFFICE)
async def list_vendor_figures(
    session: Session,
    user: CurrentUser,
    page: Paging,
    filters: Annotated[figures.VendorFiguresQuery, Query()],
) -> Page[VendorFigures]:
    """Per station: open attempts, units there now, overdue units, days at the station (office)."""
    items, next_cursor = await figures.list_vendor_figures(session, user, filters, page)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{attempt_id}")
async def get_external_repair(
    session: Session, user: Reader, attempt_id: uuid.UUID, response: Response
) -> ExternalRepairRead:
    """Return one external repair attempt."""
    attempt = await service.get_attempt(session, user, attempt_id)
    set_etag(response, attempt)
    return await service.read_one(session, user, attempt)


@router.post("/{attempt_id}/contact")
async def contact_external_repair(
    attempt_id: uuid.UUID, body: ContactBody, act: Act
) -> ExternalRepairRead:
    """Record the contact with the station; nothing is sent before it."""
    return await act("contact", attempt_id, body)


@router.post("/{attempt_id}/send")
async def send_external_repair(
    attempt_id: uuid.UUID, body: SendBody, act: Act
) -> ExternalRepairRead:
    """Hand the unit over against a pickup receipt (取机凭据); the chase clock starts."""
    return await act("send", attempt_id, body)


@router.post("/{attempt_id}/follow_up")
async def follow_up_external_repair(
    attempt_id: uuid.UUID, body: ChaseBody, act: Act
) -> ExternalRepairRead:
    """Log a chase of the station; the next follow-up moves on by the interval."""
    return await act("follow_up", attempt_id, body)


@router.post("/{attempt_id}/receive")
async def receive_external_repair(
    attempt_id: uuid.UUID, body: ReceiveBody, act: Act
) -> ExternalRepairRead:
    """Take the unit back: repaired → the repair order goes to re-inspection; unrepairable →
    it waits for another station or return unrepaired."""
    return await act("receive", attempt_id, body)


@router.post("/{attempt_id}/cancel")
async def cancel_external_repair(
    attempt_id: uuid.UUID, body: ReasonBody, act: Act
) -> ExternalRepairRead:
    """Call off an attempt that has not been sent, with the reason."""
    return await act("cancel", attempt_id, body)


add_history_routes(
    router,
    History(
        noun="external_repair",
        path_param="attempt_id",
        object_type=ExternalRepair.object_type,
        load=service.get_attempt,
        public=PublicChanges(frozenset()),  # customers never see external repairs
        timeline_doc="Everything that happened to the attempt, oldest first.",
    ),
    reader=Reader,
)


@related.get("/repair-orders/{repair_order_id}/external-repairs")
async def list_repair_order_external_repairs(
    session: Session, user: Reader, repair_order_id: uuid.UUID, page: Paging
) -> Page[ExternalRepairRead]:
    """The external repair attempts of one repair order, oldest first."""
    result = await service.list_for_repair_order(session, user, repair_order_id, page)
    return Page(
        items=await service.read_page(session, user, result.items), next_cursor=result.next_cursor
    )


@related.get("/vendors/{vendor_id}/figures", responses=_OFFICE)
async def get_vendor_figures(
    session: Session, user: CurrentUser, vendor_id: uuid.UUID
) -> VendorFigures:
    """One station's figures: open attempts, units there now, overdue units, days there."""
    return await figures.vendor_figures(session, user, vendor_id)
