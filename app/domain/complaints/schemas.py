import uuid
from datetime import datetime
from typing import Annotated

from pydantic import MISSING, Field

from app.db.models.complaints import (
    ComplaintAction,
    ComplaintSeverity,
    ComplaintSource,
    ComplaintStatus,
)
from app.domain.schemas import Name, ReadModel, Reason, StaffFieldsModel, StaffOnly, WriteModel
from app.domain.users.schemas import UserSummary

Text = Annotated[str, Field(min_length=1, max_length=10_000)]


class ComplaintCreate(WriteModel):
    source: ComplaintSource | None = Field(
        default=None, description="required from staff; a customer's complaint is always portal"
    )
    customer_id: uuid.UUID
    complainant: Name = Field(description="who complained (a person's name)")
    description: Text
    severity: ComplaintSeverity
    service_order_id: uuid.UUID | None = Field(default=None, description="the customer's own")
    repair_order_id: uuid.UUID | None = Field(default=None, description="the customer's own")
    visit_id: uuid.UUID | None = Field(
        default=None, description="the callback visit it was raised in"
    )


class AssessBody(WriteModel):
    authentic: bool = Field(description="the complaint is true to the facts (真实性)")
    reasonable: bool = Field(description="the complaint is justified (合理性)")
    accepted: bool = Field(description="true → accepted; false → rejected (supervisors only)")
    reason: Reason | None = Field(
        default=None, description="why; required to reject (否定报备), internal to staff"
    )


class AnalyzeBody(WriteModel):
    cause_analysis: Text = Field(description="the cause found (internal to staff)")
    handler_id: uuid.UUID = Field(description="an active staff member who handles it")


class ResolveBody(WriteModel):
    actions_taken: Text = Field(description="what was done; the customer reads this")


class ReportBackBody(WriteModel):
    to_staff: Text = Field(description="the feedback given to the staff involved")
    to_supervisor: Text = Field(description="the feedback given to the supervisor")
    customer_notified: bool = Field(
        description="true: the customer is told the complaint was handled (a notice with the "
        "actions taken and nothing internal)"
    )


class AssessmentRead(ReadModel):
    authentic: bool
    reasonable: bool
    accepted: bool
    reason: str | None
    assessed_by: UserSummary | None
    assessed_at: datetime


class RejectionReport(ReadModel):
    """否定报备: a rejection, its reason, who rejected it and who it was reported to."""

    reason: str
    rejected_by: UserSummary | None
    rejected_at: datetime
    reported_to: list[UserSummary] = Field(description="the supervisors notified")


class FeedbackRead(ReadModel):
    to_staff: str
    to_supervisor: str
    customer_notified: bool
    reported_by: UserSummary | None
    reported_at: datetime


class ComplaintRead(StaffFieldsModel):
    id: uuid.UUID
    number: str
    source: ComplaintSource
    customer_id: uuid.UUID
    service_order_id: uuid.UUID | None
    repair_order_id: uuid.UUID | None
    visit_id: uuid.UUID | None
    complainant: str
    description: str
    severity: ComplaintSeverity
    status: ComplaintStatus
    received_at: datetime
    accepted: bool | None = Field(description="the decision; null until assessed")
    owner: UserSummary | MISSING | None = StaffOnly("who registered it (首问负责)")
    assessment: AssessmentRead | MISSING | None = StaffOnly("the judgement and its reason")
    rejection_report: RejectionReport | MISSING | None = StaffOnly(
        "set when the complaint was rejected"
    )
    handler_id: uuid.UUID | MISSING | None = StaffOnly("who handles it")
    handler: UserSummary | MISSING | None = StaffOnly("the same person, by name")
    cause_analysis: str | MISSING | None = StaffOnly("the cause found")
    actions_taken: str | None
    resolved_at: datetime | None
    feedback: FeedbackRead | MISSING | None = StaffOnly("the feedback to staff and supervisor")
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[ComplaintAction]
