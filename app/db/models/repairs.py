"""Repair orders (维修服务单), the parts used on them, and external repair attempts (对外送修)."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlmodel import Field

from app.db.models.base import Entity
from app.db.types import JSONType, Money, UTCDateTime


class RepairOrderStatus(StrEnum):
    received = "received"
    assigned = "assigned"
    diagnosed = "diagnosed"
    repairing = "repairing"
    external = "external"
    reinspection = "reinspection"
    ready = "ready"
    delivered = "delivered"
    confirmed = "confirmed"
    closed = "closed"
    cancelled = "cancelled"


class RepairOrderAction(StrEnum):
    assign = "assign"
    diagnose = "diagnose"
    start_repair = "start_repair"
    send_out = "send_out"
    finish_repair = "finish_repair"
    reinspect = "reinspect"
    return_unrepaired = "return_unrepaired"
    deliver = "deliver"
    confirm = "confirm"
    close = "close"
    cancel = "cancel"
    escalate = "escalate"


class RepairRoute(StrEnum):
    in_house = "in_house"
    external = "external"


class RouteReason(StrEnum):
    in_warranty = "in_warranty"
    beyond_local_capability = "beyond_local_capability"


class RepairOutcome(StrEnum):
    repaired = "repaired"
    unrepairable = "unrepairable"


class BilledTo(StrEnum):
    customer = "customer"
    warranty = "warranty"
    vendor = "vendor"


class ExternalRepairStatus(StrEnum):
    planned = "planned"
    contacted = "contacted"
    at_vendor = "at_vendor"
    returned = "returned"
    unrepairable = "unrepairable"
    cancelled = "cancelled"


class ExternalRepairAction(StrEnum):
    contact = "contact"
    send = "send"
    follow_up = "follow_up"
    receive = "receive"
    cancel = "cancel"


class VendorResult(StrEnum):
    repaired = "repaired"
    unrepairable = "unrepairable"


class RepairOrder(Entity, table=True):
    __tablename__ = "repair_orders"
    object_type: ClassVar[str] = "repair_order"
    __table_args__ = (
        Index("ix_repair_orders_assignee_status", "assignee_id", "status"),
        Index("ix_repair_orders_device_delivered", "device_id", "delivered_at"),
    )

    number: str = Field(sa_type=String(30), unique=True)
    customer_id: uuid.UUID = Field(foreign_key="customers.id", index=True)
    device_id: uuid.UUID = Field(foreign_key="devices.id", index=True)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # The clerk who took the device in stays its first-contact owner (首问负责).
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    fault_description: str = Field(sa_type=Text)
    intake: dict[str, Any] = Field(sa_type=JSONType)  # {appearance, configuration, accessories}
    assignee_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    status: RepairOrderStatus = Field(sa_type=String(20), index=True)
    diagnosis: str | None = Field(default=None, sa_type=Text)
    route: RepairRoute | None = Field(default=None, sa_type=String(20))
    route_reason: RouteReason | None = Field(default=None, sa_type=String(40))
    # {in_warranty, basis, decided_at, overridden_by?, override_reason?}; `in_warranty` is kept
    # beside it as a column so the list filter is a plain comparison.
    warranty: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    in_warranty: bool | None = Field(default=None)
    outcome: RepairOutcome | None = Field(default=None, sa_type=String(20))
    repair_summary: str | None = Field(default=None, sa_type=Text)
    reinspection: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    return_reason: str | None = Field(default=None, sa_type=Text)
    delivery: dict[str, Any] | None = Field(default=None, sa_type=JSONType)  # {at, to, method}
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmation: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    external_ref: str | None = Field(default=None, sa_type=String(100), unique=True)


class RepairPart(Entity, table=True):
    """One part used on a repair order (faulty one out, replacement in)."""

    __tablename__ = "repair_parts"
    object_type: ClassVar[str] = "repair_part"

    repair_order_id: uuid.UUID = Field(foreign_key="repair_orders.id", index=True)
    part_number: str = Field(sa_type=String(100))
    description: str = Field(sa_type=Text)
    quantity: int
    faulty_serial: str | None = Field(default=None, sa_type=String(100))
    replacement_serial: str | None = Field(default=None, sa_type=String(100))
    unit_cost: Decimal = Field(sa_type=Money)
    billed_to: BilledTo = Field(sa_type=String(20))
    added_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class RepairProcessRecord(Entity, table=True):
    """One step of the repair process record (产品维修过程记录): structured, staff only."""

    __tablename__ = "repair_process_records"
    object_type: ClassVar[str] = "repair_process_record"

    repair_order_id: uuid.UUID = Field(foreign_key="repair_orders.id", index=True)
    step: str = Field(sa_type=String(200))
    findings: str | None = Field(default=None, sa_type=Text)
    actions: str | None = Field(default=None, sa_type=Text)
    parts: str | None = Field(default=None, sa_type=Text)
    minutes: int | None = Field(default=None)
    author_id: uuid.UUID = Field(foreign_key="users.id")


class ExternalRepair(Entity, table=True):
    """One attempt at one outside station for one repair order."""

    __tablename__ = "external_repairs"
    object_type: ClassVar[str] = "external_repair"
    __table_args__ = (
        UniqueConstraint("repair_order_id", "attempt"),
        Index("ix_external_repairs_vendor_status", "vendor_id", "status"),
    )

    repair_order_id: uuid.UUID = Field(foreign_key="repair_orders.id", index=True)
    vendor_id: uuid.UUID = Field(foreign_key="vendors.id")
    attempt: int
    status: ExternalRepairStatus = Field(sa_type=String(20), index=True)
    contact: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pickup_receipt_no: str | None = Field(default=None, sa_type=String(100))
    vendor_rma_no: str | None = Field(default=None, sa_type=String(100))
    expected_back_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    follow_up_every_days: int | None = Field(default=None)
    next_follow_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    follow_ups: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result: VendorResult | None = Field(default=None, sa_type=String(20))
    vendor_report: str | None = Field(default=None, sa_type=Text)
    cost: Decimal | None = Field(default=None, sa_type=Money)
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    # The due instants the chase watcher has already told the owner about (once per due date).
    follow_up_notified_for: datetime | None = Field(default=None, sa_type=UTCDateTime)
    overdue_notified_for: datetime | None = Field(default=None, sa_type=UTCDateTime)
