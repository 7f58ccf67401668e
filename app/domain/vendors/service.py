import uuid

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OFFICE_ROLES, User, Vendor
from app.db.repositories.scoping import select_visible
from app.domain.common import ensure_unique, get_or_404, require_version
from app.domain.events import add_created, save_changes
from app.domain.filters import ExternalRefQuery, apply_filters
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.vendors.schemas import VendorCreate, VendorRead, VendorUpdate

SORTS = {
    "created_at": col(Vendor.created_at),
    "updated_at": col(Vendor.updated_at),
    "name": col(Vendor.name),
}


class VendorQuery(ExternalRefQuery):
    search_columns = ("name", "contact_name")

    q: str | None = Field(default=None, max_length=200, description="name or contact")
    active: bool | None = None


def to_read(vendor: Vendor, user: User) -> VendorRead:
    actions = ["update"] if user.role in OFFICE_ROLES else []
    return VendorRead.model_validate(vendor).model_copy(update={"allowed_actions": actions})


async def create_vendor(session: AsyncSession, actor: User, data: VendorCreate) -> Vendor:
    await ensure_unique(session, Vendor, {"external_ref": data.external_ref})
    vendor = Vendor(**data.model_dump())
    await add_created(
        session, actor, Vendor.object_type, vendor, data.model_dump(exclude_none=True)
    )
    return vendor


async def get_vendor(session: AsyncSession, user: User, vendor_id: uuid.UUID) -> Vendor:
    return await get_or_404(session, user, Vendor, vendor_id, "Vendor")


async def list_vendors(
    session: AsyncSession, user: User, filters: VendorQuery, page: PageParams
) -> PageResult[Vendor]:
    stmt = apply_filters(select_visible(user, Vendor), Vendor, filters)
    return await paginate(session, stmt, Vendor, page, SORTS)


async def update_vendor(
    session: AsyncSession,
    actor: User,
    vendor_id: uuid.UUID,
    data: VendorUpdate,
    expected_version: int | None,
) -> Vendor:
    vendor = await get_vendor(session, actor, vendor_id)
    require_version(vendor, expected_version)
    values = data.model_dump(exclude_unset=True)
    await ensure_unique(
        session, Vendor, {"external_ref": values.get("external_ref")}, exclude_id=vendor.id
    )
    await save_changes(session, actor, Vendor.object_type, vendor, values)
    return vendor
