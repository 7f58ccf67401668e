import uuid
from datetime import date

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OFFICE_ROLES, Customer, Device, Role, User
from app.db.repositories.scoping import select_visible
from app.domain.common import (
    ensure_unique,
    get_for_field,
    get_or_404,
    require_version,
)
from app.domain.devices.schemas import DeviceCreate, DeviceRead, DeviceUpdate, WarrantyRead
from app.domain.errors import ValidationFailed
from app.domain.events import add_created, save_changes
from app.domain.filters import ExternalRefQuery, apply_filters
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.schemas import IsoDate, read_for
from app.domain.timeline import PublicChanges

# What a customer sees of a device's changes; customer_id shows only the move to them.
PUBLIC_CHANGES = PublicChanges(
    frozenset(
        {"customer_id", "serial_number", "model", "configuration", "purchased_at", "warranty_until"}
    )
)
SORTS = {
    "created_at": col(Device.created_at),
    "updated_at": col(Device.updated_at),
    "serial_number": col(Device.serial_number),
}


class DeviceQuery(ExternalRefQuery):
    search_columns = ("serial_number", "model")
    special = frozenset({"in_warranty_on"})

    q: str | None = Field(default=None, max_length=200, description="serial number or model")
    customer_id: uuid.UUID | None = None
    serial_number: str | None = Field(default=None, max_length=200)
    in_warranty_on: IsoDate | None = Field(
        default=None, description="only devices still in warranty on this day"
    )


def to_read(device: Device, user: User) -> DeviceRead:
    actions = ["update"] if user.role in OFFICE_ROLES else []
    return read_for(DeviceRead, device, staff=user.role != Role.customer, allowed_actions=actions)


def warranty_on(device: Device, on: date) -> WarrantyRead:
    """A device is in warranty on a day up to and including its warranty_until date."""
    if device.warranty_until is None:
        return WarrantyRead(
            device_id=device.id,
            on=on,
            warranty_until=None,
            in_warranty=False,
            days_remaining=None,
            basis="no warranty date recorded for this device",
        )
    in_warranty = on <= device.warranty_until
    remaining = (device.warranty_until - on).days
    return WarrantyRead(
        device_id=device.id,
        on=on,
        warranty_until=device.warranty_until,
        in_warranty=in_warranty,
        days_remaining=max(remaining, 0),
        basis=f"warranty until {device.warranty_until.isoformat()}"
        + (" (inclusive)" if in_warranty else f", expired {-remaining} day(s) before"),
    )


async def create_device(session: AsyncSession, actor: User, data: DeviceCreate) -> Device:
    await get_for_field(session, actor, Customer, data.customer_id, "customer_id", "Customer")
    await ensure_unique(
        session, Device, {"serial_number": data.serial_number, "external_ref": data.external_ref}
    )
    device = Device(**data.model_dump())
    await add_created(
        session, actor, Device.object_type, device, data.model_dump(exclude_none=True)
    )
    return device


async def get_device(session: AsyncSession, user: User, device_id: uuid.UUID) -> Device:
    return await get_or_404(session, user, Device, device_id, "Device")


async def list_devices(
    session: AsyncSession, user: User, filters: DeviceQuery, page: PageParams
) -> PageResult[Device]:
    stmt = apply_filters(select_visible(user, Device), Device, filters)
    if filters.in_warranty_on:
        stmt = stmt.where(col(Device.warranty_until) >= filters.in_warranty_on)
    return await paginate(session, stmt, Device, page, SORTS)


async def update_device(
    session: AsyncSession,
    actor: User,
    device_id: uuid.UUID,
    data: DeviceUpdate,
    expected_version: int | None,
) -> Device:
    device = await get_device(session, actor, device_id)
    require_version(device, expected_version)
    values = data.model_dump(exclude_unset=True)
    if "customer_id" in values:
        await get_for_field(
            session, actor, Customer, values["customer_id"], "customer_id", "Customer"
        )
    purchased = values.get("purchased_at", device.purchased_at)
    until = values.get("warranty_until", device.warranty_until)
    if purchased and until and until < purchased:
        raise ValidationFailed([("warranty_until", "cannot be before purchased_at")])
    await ensure_unique(
        session,
        Device,
        {"serial_number": values.get("serial_number"), "external_ref": values.get("external_ref")},
        exclude_id=device.id,
    )
    await save_changes(session, actor, Device.object_type, device, values)
    return device
