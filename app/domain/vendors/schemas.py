import uuid
from datetime import datetime

from pydantic import Field, StrictBool

from app.domain.schemas import (
    ExternalRef,
    LongText,
    Name,
    PatchModel,
    Phone,
    ReadModel,
    WriteModel,
)


class VendorFields(WriteModel):
    contact_name: Name | None = None
    phone: Phone | None = None
    address: LongText | None = None
    external_ref: ExternalRef | None = None


# A blank service name says nothing, and lax mode would guess a boolean from "active": "yes"
# or 1: both are the client's mistake, so they are refused rather than stored.
class VendorCreate(VendorFields):
    name: Name
    services: list[Name] = Field(default_factory=list, max_length=50)
    active: StrictBool = True


class VendorUpdate(VendorFields, PatchModel):
    not_nullable = frozenset({"name", "services", "active"})

    name: Name | None = None
    services: list[Name] | None = Field(default=None, max_length=50)
    active: StrictBool | None = None


class VendorRead(ReadModel):
    id: uuid.UUID
    name: str
    contact_name: str | None
    phone: str | None
    address: str | None
    services: list[str]
    active: bool
    external_ref: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str] = []
