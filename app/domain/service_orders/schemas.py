import base64
import binascii
import struct
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from app.db.models import OrderChannel, OrderKind, Priority, SlaState
from app.domain.schemas import (
    ExternalRef,
    LongText,
    Name,
    PatchModel,
    Phone,
    ReadModel,
    Timestamp,
    WriteModel,
)
from app.domain.timeline import Channel

MAX_SIGNATURE_BYTES = 256 * 1024
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DATA_URL_PREFIX = "data:image/png;base64,"
Subject = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]


def decode_png_data_url(value: str) -> bytes:
    """Return the PNG bytes of a `data:image/png;base64,…` URL, or raise ValueError."""
    if not value.startswith(_DATA_URL_PREFIX):
        raise ValueError("must be a data URL starting with 'data:image/png;base64,'")
    encoded = value[len(_DATA_URL_PREFIX) :]
    if len(encoded) > (MAX_SIGNATURE_BYTES * 4) // 3 + 4:
        raise ValueError(f"signature is larger than {MAX_SIGNATURE_BYTES // 1024} KiB")
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("signature is not valid base64") from None
    # A real PNG: the magic bytes, then an IHDR chunk with a non-zero width and height.
    if len(png) < 33 or not png.startswith(_PNG_MAGIC) or png[12:16] != b"IHDR":
        raise ValueError("signature is not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    if width == 0 or height == 0 or width > 10_000 or height > 10_000:
        raise ValueError("signature image has an impossible size")
    if not png.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82"):
        raise ValueError("signature PNG is truncated")
    return png


def _check_png(value: str) -> str:
    decode_png_data_url(value)
    return value


SignatureDataUrl = Annotated[str, AfterValidator(_check_png)]


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
    force: bool = Field(
        default=False, description="book the engineer even if on-site appointments overlap"
    )


class ReasonBody(WriteModel):
    reason: Reason


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
    by: uuid.UUID | None
    channel: str | None


class ServiceOrderRead(ReadModel):
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
    status: str
    owner_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    appointment_start: datetime | None
    appointment_end: datetime | None
    due_at: datetime | None = Field(description="when the order must be resolved (business time)")
    responded_at: datetime | None
    reported_at: datetime | None
    sla: SlaRead
    overdue: bool
    resolution: str | None
    service_record: str | None
    signoff: SignoffRead | None
    confirmation: ConfirmationRead | None
    hold_reason: str | None
    cancel_reason: str | None
    closed_at: datetime | None
    external_ref: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str]


class WorkItem(ReadModel):
    today: bool = Field(description="has an appointment today (business time zone)")
    order: ServiceOrderRead


class WorkList(ReadModel):
    items: list[WorkItem]
