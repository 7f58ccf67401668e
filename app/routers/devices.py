import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from app.auth.dependencies import CurrentUser, Office
from app.db.models import Device
from app.domain.devices import service
from app.domain.devices.schemas import (
    DeviceCreate,
    DeviceRead,
    DeviceUpdate,
    WarrantyRead,
)
from app.domain.schemas import IsoDate, Page
from app.http.deps import JsonRouter, Paging, RequiredIfMatch, Session, set_etag
from app.routers.history import History, add_history_routes

router = JsonRouter(prefix="/devices", tags=["devices"])


@router.get("")
async def list_devices(
    session: Session,
    user: CurrentUser,
    page: Paging,
    filters: Annotated[service.DeviceQuery, Query()],
) -> Page[DeviceRead]:
    """List devices (a customer user sees only its own company's)."""
    result = await service.list_devices(session, user, filters, page)
    return Page(
        items=[service.to_read(d, user) for d in result.items], next_cursor=result.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_device(
    session: Session, user: Office, body: DeviceCreate, response: Response
) -> DeviceRead:
    """Register a customer's device (serial numbers are unique)."""
    device = await service.create_device(session, user, body)
    set_etag(response, device)
    return service.to_read(device, user)


@router.get("/{device_id}")
async def get_device(
    session: Session, user: CurrentUser, device_id: uuid.UUID, response: Response
) -> DeviceRead:
    """Return one device."""
    device = await service.get_device(session, user, device_id)
    set_etag(response, device)
    return service.to_read(device, user)


@router.patch("/{device_id}")
async def update_device(
    session: Session,
    user: Office,
    device_id: uuid.UUID,
    body: DeviceUpdate,
    version: RequiredIfMatch,
    response: Response,
) -> DeviceRead:
    """Change a device's fields (If-Match required)."""
    device = await service.update_device(session, user, device_id, body, version)
    set_etag(response, device)
    return service.to_read(device, user)


@router.get("/{device_id}/warranty")
async def get_device_warranty(
    request: Request,
    session: Session,
    user: CurrentUser,
    device_id: uuid.UUID,
    on: Annotated[
        IsoDate | None, Query(description="the day to check; today in the business time zone")
    ] = None,
) -> WarrantyRead:
    """Tell whether the device is in warranty on a given day."""
    device = await service.get_device(session, user, device_id)
    return service.warranty_on(device, on or request.app.state.settings.business_today())


add_history_routes(
    router,
    History(
        noun="device",
        path_param="device_id",
        object_type=Device.object_type,
        load=service.get_device,
        public=service.PUBLIC_CHANGES,
        timeline_doc="The device's history, oldest first (customers: from while it was theirs).",
    ),
)
