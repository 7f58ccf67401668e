import uuid
from datetime import datetime

from pydantic import Field

from app.domain.schemas import (
    ExternalRef,
    LongText,
    Name,
    PatchModel,
    Phone,
    ReadModel,
    ShortText,
    WriteModel,
)


class VendorFields(WriteModel):
    contact_name: Name | None = None
    phone: Phone | None = None
    address: LongText | None = None
    external_ref: ExternalRef | None = None


class VendorCreate(VendorFields):
    name: Name
    services: list[ShortText] = Field(default_factory=list, max_length=50)
    active: bool = True


class VendorUpdate(VendorFields, PatchModel):
    not_nullable = frozenset({"name", "services", "active"})

    name: Name | None = None
    services: list[ShortText] | None = Field(default=None, max_length=50)
    active: bool | None = None


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
