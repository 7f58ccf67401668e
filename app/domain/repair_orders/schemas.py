"""Request and response bodies of the repair orders (SPEC §4.2)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import MISSING, Field, StrictBool, StrictInt, model_validator

from app.db.models.repairs import (
    BilledTo,
    RepairOrderAction,
    RepairOrderStatus,
    RepairOutcome,
    RepairRoute,
    RouteReason,
)
from app.domain.cases.schemas import CaseLink
from app.domain.devices.schemas import DeviceFields, SerialNumber
from app.domain.schemas import (
    ExternalRef,
    LongText,
    Name,
    ReadModel,
    Reason,
    StaffFieldsModel,
    StaffOnly,
    WriteModel,
)
from app.domain.users.schemas import UserSummary

Text = Annotated[str, Field(min_length=1, max_length=10_000)]
Short = Annotated[str, Field(min_length=1, max_length=100)]
Accessory = Annotated[str, Field(min_length=1, max_length=200)]


class ReinspectionResult(StrEnum):
    passed = "pass"
    failed = "fail"


class DeliveryMethod(StrEnum):
    pickup = "pickup"
    courier = "courier"
    onsite = "onsite"


class Intake(WriteModel):
    """The intake inspection made when the device is handed in."""

    appearance: Text = Field(description="scratches, dents, missing covers …")
    configuration: Text = Field(description="what the device holds (memory, disks, options)")
    accessories: list[Accessory] = Field(
        max_length=50, description="what came with it (cables, adapters); [] for nothing"
    )


class NewDevice(DeviceFields):
    """A device received for the first time, created with the repair order."""

    serial_number: SerialNumber
    model: Name


class RepairOrderCreate(WriteModel):
    customer_id: uuid.UUID
    device_id: uuid.UUID | None = Field(default=None, description="an existing device, or …")
    device: NewDevice | None = Field(default=None, description="… a new one (not both)")
    fault_description: Text
    intake: Intake
    external_ref: ExternalRef | None = None

    @model_validator(mode="after")
    def _one_device(self) -> "RepairOrderCreate":
        if (self.device_id is None) == (self.device is None):
            raise ValueError("give either device_id or device, not both and not neither")
        return self


class RepairAssignBody(WriteModel):
    assignee_id: uuid.UUID


class DiagnoseBody(WriteModel):
    diagnosis: Text
    route: RepairRoute
    route_reason: RouteReason | None = Field(
        default=None, description="required for an external route; in_warranty only in warranty"
    )


class SendOutBody(WriteModel):
    vendor_id: uuid.UUID
    route_reason: RouteReason | None = Field(
        default=None, description="required when the order was diagnosed for repair in house"
    )


class FinishRepairBody(WriteModel):
    outcome: RepairOutcome
    summary: Text


class ReinspectBody(WriteModel):
    result: ReinspectionResult
    notes: LongText = ""


class DeliverBody(WriteModel):
    to: Name = Field(description="who took the device")
    method: DeliveryMethod


class CloseBody(WriteModel):
    repair_summary: Text | None = Field(
        default=None, description="needed when the order has none yet (e.g. a vendor repair)"
    )


class WarrantyOverrideBody(WriteModel):
    in_warranty: StrictBool
    reason: Reason


class PartCreate(WriteModel):
    part_number: Short
    description: Text
    quantity: StrictInt = Field(ge=1, le=10_000)
    faulty_serial: Short | None = None
    replacement_serial: Short | None = None
    unit_cost: Decimal = Field(ge=0, le=Decimal("99999999.99"), decimal_places=2)
    billed_to: BilledTo | None = Field(
        default=None, description="default: warranty if the order is in warranty, else customer"
    )


class ProcessRecordCreate(WriteModel):
    step: Annotated[str, Field(min_length=1, max_length=200)]
    findings: LongText | None = None
    actions: LongText | None = None
    parts: LongText | None = None
    minutes: StrictInt | None = Field(default=None, ge=0, le=100_000)


class ProcessRecordRead(ReadModel):
    id: uuid.UUID
    repair_order_id: uuid.UUID
    step: str
    findings: str | None
    actions: str | None
    parts: str | None
    minutes: int | None
    author_id: uuid.UUID
    author: UserSummary | None
    created_at: datetime


class IntakeRead(ReadModel):
    appearance: str
    configuration: str
    accessories: list[str]


class WarrantyDecisionRead(StaffFieldsModel):
    in_warranty: bool
    basis: str = Field(description="why: the receipt day against the device's warranty date")
    received_on: date = Field(description="the receipt day in the business time zone")
    decided_at: datetime
    overridden_by: UserSummary | MISSING | None = StaffOnly(
        "the supervisor who overrode the decision"
    )
    override_reason: str | MISSING | None = StaffOnly("why the decision was overridden")


class ReinspectionRead(ReadModel):
    result: ReinspectionResult
    notes: str
    by: UserSummary | None
    at: datetime


class DeliveryRead(ReadModel):
    at: datetime
    to: str
    method: DeliveryMethod


class RepairConfirmationRead(ReadModel):
    at: datetime
    by: UserSummary | None
    channel: str


class PartRead(StaffFieldsModel):
    id: uuid.UUID
    part_number: str
    description: str
    quantity: int
    faulty_serial: str | None
    replacement_serial: str | None
    unit_cost: Decimal
    line_total: Decimal
    billed_to: BilledTo
    added_by_id: uuid.UUID | MISSING | None = StaffOnly("who recorded the part")
    created_at: datetime


class PartTotals(StaffFieldsModel):
    customer: Decimal = Field(description="what the customer is billed")
    warranty: Decimal | MISSING | None = StaffOnly("billed to the warranty")
    vendor: Decimal | MISSING | None = StaffOnly("billed to a vendor")


class RepairOrderRead(StaffFieldsModel):
    id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    device_id: uuid.UUID
    received_at: datetime
    owner_id: uuid.UUID | None
    owner: UserSummary | None = Field(description="who received the device (首问负责)")
    fault_description: str
    intake: IntakeRead
    assignee_id: uuid.UUID | None
    assignee: UserSummary | None
    status: RepairOrderStatus
    diagnosis: str | None
    route: RepairRoute | None
    route_reason: RouteReason | None
    warranty: WarrantyDecisionRead | None
    outcome: RepairOutcome | None
    repair_summary: str | None
    reinspection: ReinspectionRead | None
    return_reason: str | None
    delivery: DeliveryRead | None
    confirmation: RepairConfirmationRead | None
    due_at: datetime | None
    overdue: bool
    closed_at: datetime | None
    cancel_reason: str | None
    parts: list[PartRead] = Field(description="customers: only the parts billed to them")
    parts_total: PartTotals
    external_ref: str | MISSING | None = StaffOnly("the key the department's ERP/CRM uses")
    case: CaseLink | MISSING | None = StaffOnly("the difficult case the order was escalated into")
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[RepairOrderAction]
