import uuid
from datetime import datetime
from typing import Annotated

from pydantic import MISSING, Field, StrictBool, model_validator

from app.db.models import (
    OrderChannel,
    OrderKind,
    Priority,
    ServiceOrderAction,
    ServiceOrderStatus,
    SlaState,
)
from app.domain.cases.schemas import CaseLink
from app.domain.schemas import (
    ExternalRef,
    LongText,
    Name,
    PatchModel,
    Phone,
    ReadModel,
    Reason,
    StaffFieldsModel,
    StaffOnly,
    Timestamp,
    WriteModel,
)
from app.domain.signatures import MAX_SIGNATURE_BYTES, SignatureDataUrl
from app.domain.timeline import Channel
from app.domain.users.schemas import UserSummary

Subject = Annotated[str, Field(min_length=1, max_length=200)]


def _check_window(start: datetime | None, end: datetime | None) -> None:
    if (start is None) != (end is None):
        raise ValueError("appointment_start and appointment_end go together")
    if start is not None and end is not None and end <= start:
        raise ValueError("appointment_end must be after appointment_start")


class ServiceOrderCreate(WriteModel):
    kind: OrderKind
    channel: OrderChannel
    customer_id: uuid.UUID
    device_id: uuid.UUID | None = None
    subject: Subject
    description: LongText | None = None
    priority: Priority = Priority.normal
    contact_name: Name | None = None
    contact_phone: Phone | None = None
    appointment_start: Timestamp | None = None
    appointment_end: Timestamp | None = None
    external_ref: ExternalRef | None = None

    @model_validator(mode="after")
    def _appointment(self) -> "ServiceOrderCreate":
        _check_window(self.appointment_start, self.appointment_end)
        if self.kind == OrderKind.remote and self.appointment_start is not None:
            raise ValueError("only on-site orders have an appointment")
        return self


class ServiceOrderUpdate(PatchModel):
    not_nullable = frozenset({"subject", "priority"})

    subject: Subject | None = None
    description: LongText | None = None
    priority: Priority | None = None
    device_id: uuid.UUID | None = None
    contact_name: Name | None = None
    contact_phone: Phone | None = None
    appointment_start: Timestamp | None = None
    appointment_end: Timestamp | None = None
    external_ref: ExternalRef | None = None


class AssignBody(WriteModel):
    assignee_id: uuid.UUID
    # Strict: a JSON client sends true/false; "yes" or 1 is a mistake, not a decision to override.
    force: StrictBool = Field(
        default=False, description="book the engineer even if on-site appointments overlap"
    )


class HoldBody(WriteModel):
    reason: Reason = Field(description="why the work waits: internal, never shown to customers")
    customer_message: Reason | None = Field(
        default=None, description="what the customer is told about the hold (optional)"
    )


class SignoffBody(WriteModel):
    signer_name: Name
    signature: SignatureDataUrl = Field(
        description=f"PNG as a data URL (data:image/png;base64,…), at most "
        f"{MAX_SIGNATURE_BYTES // 1024} KiB"
    )


class ReportBody(WriteModel):
    resolution: LongText = Field(min_length=1)
    service_record: LongText | None = Field(
        default=None, min_length=1, description="required on site: what was done, as signed"
    )
    signoff: SignoffBody | None = Field(default=None, description="required on site")


class ConfirmBody(WriteModel):
    channel: Channel | None = Field(
        default=None,
        description="how the customer confirmed (required when the office confirms; a customer "
        "confirming in the portal needs none)",
    )


class SlaRead(ReadModel):
    response_due_at: datetime | None
    resolve_due_at: datetime | None
    paused_minutes: int
    paused: bool
    state: SlaState


class SignoffRead(ReadModel):
    signer_name: str
    signed_at: datetime
    signature: str | None = Field(
        default=None, description="PNG data URL; omitted in lists (GET the order for it)"
    )
    record_sha256: str
    record_matches: bool = Field(
        description="false when the service record was edited after the customer signed"
    )


class ConfirmationRead(ReadModel):
    at: datetime
    by: uuid.UUID | None = Field(description="who recorded it; null when the customer signed")
    confirmed_by: UserSummary | None = Field(description="the same person, by name")
    channel: str | None


class ServiceOrderRead(StaffFieldsModel):
    id: uuid.UUID
    number: str
    kind: OrderKind
    channel: OrderChannel
    customer_id: uuid.UUID
    device_id: uuid.UUID | None
    contact_name: str | None
    contact_phone: str | None
    subject: str
    description: str | None
    priority: Priority
    status: ServiceOrderStatus
    owner_id: uuid.UUID | None
    owner: UserSummary | None = Field(description="who first received the request (首问负责)")
    assignee_id: uuid.UUID | None
    assignee: UserSummary | None = Field(description="the engineer working the order")
    appointment_start: datetime | None
    appointment_end: datetime | None
    due_at: datetime | None = Field(description="when the order must be resolved (business time)")
    responded_at: datetime | None
    reported_at: datetime | None
    sla: SlaRead | MISSING | None = StaffOnly("the SLA clocks and their state")
    overdue: bool
    resolution: str | None
    service_record: str | None
    signoff: SignoffRead | None
    confirmation: ConfirmationRead | None
    hold_reason: str | MISSING | None = StaffOnly("why the order is on hold")
    hold_message: str | None = Field(description="what the customer is told about the hold")
    cancel_reason: str | None
    closed_at: datetime | None
    external_ref: str | MISSING | None = StaffOnly("the key the department's ERP/CRM uses")
    case: CaseLink | MISSING | None = StaffOnly("the difficult case the order was escalated into")
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[ServiceOrderAction]
