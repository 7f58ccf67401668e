"""Service orders (技术服务任务单) and what hangs off them: SLA pauses and policies, the signed
record."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.db.models.base import Entity
from app.db.types import JSONType, UTCDateTime


class OrderKind(StrEnum):
    remote = "remote"
    onsite = "onsite"


class OrderChannel(StrEnum):
    phone = "phone"
    fax = "fax"
    email = "email"
    portal = "portal"
    walk_in = "walk_in"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class SlaState(StrEnum):
    ok = "ok"
    warning = "warning"
    breached = "breached"


class ServiceOrderStatus(StrEnum):
    new = "new"
    assigned = "assigned"
    in_progress = "in_progress"
    on_hold = "on_hold"
    reported = "reported"
    confirmed = "confirmed"
    closed = "closed"
    cancelled = "cancelled"


class ServiceOrderAction(StrEnum):
    assign = "assign"
    start = "start"
    hold = "hold"
    resume = "resume"
    report = "report"
    confirm = "confirm"
    reopen = "reopen"
    close = "close"
    cancel = "cancel"
    escalate = "escalate"


class ServiceOrder(Entity, table=True):
    __tablename__ = "service_orders"
    object_type: ClassVar[str] = "service_order"
    __table_args__ = (
        Index("ix_service_orders_assignee_status", "assignee_id", "status"),
        Index("ix_service_orders_sla_scan", "status", "sla_state"),
    )

    number: str = Field(sa_type=String(30), unique=True)
    kind: OrderKind = Field(sa_type=String(10))
    channel: OrderChannel = Field(sa_type=String(10))
    customer_id: uuid.UUID = Field(foreign_key="customers.id", index=True)
    device_id: uuid.UUID | None = Field(default=None, foreign_key="devices.id", index=True)
    contact_name: str | None = Field(default=None, sa_type=String(200))
    contact_phone: str | None = Field(default=None, sa_type=String(50))
    subject: str = Field(sa_type=String(200))
    description: str | None = Field(default=None, sa_type=Text)
    priority: Priority = Field(sa_type=String(10))
    status: ServiceOrderStatus = Field(sa_type=String(20), index=True)
    # The state an order was held from, so `resume` returns to it.
    held_from: ServiceOrderStatus | None = Field(default=None, sa_type=String(20))
    hold_reason: str | None = Field(default=None, sa_type=Text)  # internal working data
    # What the customer is told about the hold, if anything (the reason stays internal).
    hold_message: str | None = Field(default=None, sa_type=Text)
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    assignee_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    appointment_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    appointment_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # SLA clock (business time, see app/domain/service_orders/sla.py). The *_warning_at instants
    # (75 % of the allowance) let the worker find due work with a plain indexed comparison.
    response_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    response_warning_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    resolve_warning_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_state: SlaState = Field(default=SlaState.ok, sa_type=String(10))
    # Whether the order has ever had an SLA pause (sla_pauses rows): most never do, and their
    # reads then skip the pauses query. Set wherever a pause is added (actions.py).
    has_pauses: bool = Field(
        default=False, sa_column_kwargs={"default": None, "server_default": text("false")}
    )
    # Whether a difficult case was ever proposed about the order (cases.source_id): reads of the
    # orders never escalated skip the case query. Set by the one place cases are proposed.
    has_case: bool = Field(
        default=False, sa_column_kwargs={"default": None, "server_default": text("false")}
    )
    resolution: str | None = Field(default=None, sa_type=Text)
    service_record: str | None = Field(default=None, sa_type=Text)
    signoff: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    confirmation: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    external_ref: str | None = Field(default=None, sa_type=String(100), unique=True)


class OrderSignature(SQLModel, table=True):
    """The customer's signature image, kept apart so lists never load it."""

    __tablename__ = "service_order_signatures"

    order_id: uuid.UUID = Field(foreign_key="service_orders.id", primary_key=True)
    png: bytes = Field(sa_type=LargeBinary)


class PauseKind(StrEnum):
    hold = "hold"
    awaiting_confirmation = "awaiting_confirmation"


class SlaPause(SQLModel, table=True):
    """One stretch of time when an order's SLA clock was stopped."""

    __tablename__ = "sla_pauses"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="service_orders.id", index=True)
    kind: PauseKind = Field(sa_type=String(30))
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SlaPolicy(Entity, table=True):
    __tablename__ = "sla_policies"
    object_type: ClassVar[str] = "sla_policy"
    __table_args__ = (UniqueConstraint("kind", "priority"),)

    kind: OrderKind = Field(sa_type=String(10))
    priority: Priority = Field(sa_type=String(10))
    response_minutes: int
    resolve_minutes: int
