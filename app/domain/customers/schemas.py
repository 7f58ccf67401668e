import uuid
from datetime import datetime

from pydantic import MISSING, Field

from app.domain.schemas import (
    Code,
    Email,
    ExternalRef,
    LongText,
    Name,
    PatchModel,
    Phone,
    StaffFieldsModel,
    StaffOnly,
    WriteModel,
)


class CustomerFields(WriteModel):
    contact_name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: LongText | None = None
    external_ref: ExternalRef | None = Field(
        default=None, description="the key an ERP/CRM uses; unique"
    )


class CustomerCreate(CustomerFields):
    code: Code
    name: Name


class CustomerUpdate(CustomerFields, PatchModel):
    not_nullable = frozenset({"code", "name"})
    code: Code | None = None
    name: Name | None = None


class CustomerRead(StaffFieldsModel):
    id: uuid.UUID
    code: str
    name: str
    contact_name: str | None
    phone: str | None
    email: str | None
    address: str | None
    external_ref: str | MISSING | None = StaffOnly("the key the department's ERP/CRM uses")
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str] = []
