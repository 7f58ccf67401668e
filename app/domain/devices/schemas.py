import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import MISSING, StringConstraints, ValidationInfo, field_validator

from app.domain.schemas import (
    ExternalRef,
    IsoDate,
    LongText,
    Name,
    PatchModel,
    ReadModel,
    StaffFieldsModel,
    StaffOnly,
    WriteModel,
)

# The column is VARCHAR(100); a longer value would fail in PostgreSQL instead of validating.
SerialNumber = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class DeviceFields(WriteModel):
    configuration: LongText | None = None
    purchased_at: IsoDate | None = None
    warranty_until: IsoDate | None = None
    external_ref: ExternalRef | None = None

    # A field validator (not a model validator) so the 422 names warranty_until, as the PATCH
    # check against the stored purchase date does; purchased_at is declared first, so it is in
    # info.data by now.
    @field_validator("warranty_until")
    @classmethod
    def _warranty_after_purchase(cls, value: date | None, info: ValidationInfo) -> date | None:
        purchased = info.data.get("purchased_at")
        if value and purchased and value < purchased:
            raise ValueError("cannot be before purchased_at")
        return value


class DeviceCreate(DeviceFields):
    customer_id: uuid.UUID
    serial_number: SerialNumber
    model: Name


class DeviceUpdate(DeviceFields, PatchModel):
    not_nullable = frozenset({"customer_id", "serial_number", "model"})

    customer_id: uuid.UUID | None = None
    serial_number: SerialNumber | None = None
    model: Name | None = None


class DeviceRead(StaffFieldsModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    serial_number: str
    model: str
    configuration: str | None
    purchased_at: date | None
    warranty_until: date | None
    external_ref: str | MISSING | None = StaffOnly("the key the department's ERP/CRM uses")
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str] = []


class WarrantyRead(ReadModel):
    device_id: uuid.UUID
    on: date
    warranty_until: date | None
    in_warranty: bool
    days_remaining: int | None
    basis: str
