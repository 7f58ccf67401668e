import uuid
from typing import Annotated

from fastapi import Query, Response, status

from app.auth.dependencies import Office, Staff
from app.db.models import Vendor
from app.domain.schemas import Page
from app.domain.timeline import PublicChanges
from app.domain.vendors import service
from app.domain.vendors.schemas import VendorCreate, VendorRead, VendorUpdate
from app.http.deps import JsonRouter, Paging, RequiredIfMatch, Session, set_etag
from app.routers.history import History, add_history_routes

router = JsonRouter(prefix="/vendors", tags=["vendors"])


@router.get("")
async def list_vendors(
    session: Session,
    user: Staff,
    page: Paging,
    filters: Annotated[service.VendorQuery, Query()],
) -> Page[VendorRead]:
    """List external repair stations."""
    result = await service.list_vendors(session, user, filters, page)
    return Page(
        items=[service.to_read(v, user) for v in result.items], next_cursor=result.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_vendor(
    session: Session, user: Office, body: VendorCreate, response: Response
) -> VendorRead:
    """Add an external repair station."""
    vendor = await service.create_vendor(session, user, body)
    set_etag(response, vendor)
    return service.to_read(vendor, user)


@router.get("/{vendor_id}")
async def get_vendor(
    session: Session, user: Staff, vendor_id: uuid.UUID, response: Response
) -> VendorRead:
    """Return one external repair station."""
    vendor = await service.get_vendor(session, user, vendor_id)
    set_etag(response, vendor)
    return service.to_read(vendor, user)


@router.patch("/{vendor_id}")
async def update_vendor(
    session: Session,
    user: Office,
    vendor_id: uuid.UUID,
    body: VendorUpdate,
    version: RequiredIfMatch,
    response: Response,
) -> VendorRead:
    """Change a station's fields or deactivate it (If-Match required)."""
    vendor = await service.update_vendor(session, user, vendor_id, body, version)
    set_etag(response, vendor)
    return service.to_read(vendor, user)


add_history_routes(
    router,
    History(
        noun="vendor",
        path_param="vendor_id",
        object_type=Vendor.object_type,
        load=service.get_vendor,
        public=PublicChanges(frozenset()),  # customers never see vendors
        timeline_doc="The station's history, oldest first.",
    ),
    reader=Staff,
)
