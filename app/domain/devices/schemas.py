import uuid
from datetime import date, datetime

from pydantic import model_validator

from app.domain.schemas import ExternalRef, LongText, Name, PatchModel, ReadModel, WriteModel

SerialNumber = Name


class DeviceFields(WriteModel):
    configuration: LongText | None = None
    purchased_at: date | None = None
    warranty_until: date | None = None
    external_ref: ExternalRef | None = None

    @model_validator(mode="after")
    def _warranty_after_purchase(self) -> "DeviceFields":
        if self.purchased_at and self.warranty_until and self.warranty_until < self.purchased_at:
            raise ValueError("warranty_until cannot be before purchased_at")
        return self


class DeviceCreate(DeviceFields):
    customer_id: uuid.UUID
    serial_number: SerialNumber
    model: Name


class DeviceUpdate(DeviceFields, PatchModel):
    not_nullable = frozenset({"customer_id", "serial_number", "model"})

    customer_id: uuid.UUID | None = None
    serial_number: SerialNumber | None = None
    model: Name | None = None


class DeviceRead(ReadModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    serial_number: str
    model: str
    configuration: str | None
    purchased_at: date | None
    warranty_until: date | None
    external_ref: str | None
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
