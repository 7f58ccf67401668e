import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StrictInt, StringConstraints

from app.db.models.repairs import ExternalRepairAction, ExternalRepairStatus, VendorResult
from app.domain.schemas import Name, ReadModel, Timestamp, WriteModel
from app.domain.timeline import Channel
from app.domain.users.schemas import UserSummary

# Money travels as a decimal string with exactly two places ("1280.00"): a JSON number would
# pass through a float in many clients, and money is kept exact.
MoneyText = Annotated[
    str,
    StringConstraints(pattern=r"^(0|[1-9][0-9]{0,11})\.[0-9]{2}$", max_length=15),
    Field(description='a decimal string with two places, e.g. "1280.00"'),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
ReceiptNo = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class ExternalRepairCreate(WriteModel):
    repair_order_id: uuid.UUID
    vendor_id: uuid.UUID


class ContactBody(WriteModel):
    person: Name = Field(description="who at the station agreed to take the unit")
    channel: Channel
    notes: Text


class SendBody(WriteModel):
    pickup_receipt_no: ReceiptNo = Field(description="the pickup receipt (取机凭据) number")
    expected_back_at: Timestamp = Field(description="when the station promised it back")
    follow_up_every_days: StrictInt = Field(ge=1, le=90, description="chase interval in days")
    vendor_rma_no: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


class ChaseBody(WriteModel):
    notes: Text
    vendor_eta: Timestamp | None = Field(default=None, description="what the station says now")


class ReceiveBody(WriteModel):
    result: VendorResult
    vendor_report: Text
    cost: MoneyText | None = None

    def cost_amount(self) -> Decimal | None:
        return None if self.cost is None else Decimal(self.cost)


class ContactRead(ReadModel):
    at: datetime
    by: UserSummary | None
    person: str
    channel: Channel
    notes: str


class ChaseRead(ReadModel):
    at: datetime
    by: UserSummary | None
    notes: str
    vendor_eta: datetime | None


class VendorSummary(ReadModel):
    id: uuid.UUID
    name: str


class ExternalRepairRead(ReadModel):
    id: uuid.UUID
    repair_order_id: uuid.UUID
    repair_order_number: str
    vendor_id: uuid.UUID
    vendor: VendorSummary
    attempt: int = Field(description="1 for the first station, 2 for the next…")
    status: ExternalRepairStatus
    contact: ContactRead | None
    sent_at: datetime | None
    pickup_receipt_no: str | None
    vendor_rma_no: str | None
    expected_back_at: datetime | None
    follow_up_every_days: int | None
    next_follow_up_at: datetime | None
    follow_ups: list[ChaseRead]
    follow_up_due: bool = Field(description="at the station and the next chase is due")
    overdue: bool = Field(description="at the station past the expected back time")
    returned_at: datetime | None
    result: VendorResult | None
    vendor_report: str | None
    cost: MoneyText | None
    cancel_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[ExternalRepairAction]


class VendorFigures(ReadModel):
    vendor: VendorSummary
    active: bool
    open_attempts: int = Field(description="planned, contacted or at the station")
    at_vendor: int = Field(description="units at the station now")
    overdue: int = Field(description="units at the station past their expected back time")
    days_at_vendor: float = Field(
        description="days units have spent at the station so far, all attempts (one decimal)"
    )
