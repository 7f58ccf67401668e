"""Bodies and reads of callback visits (SPEC §4.6)."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import MISSING, Field, StrictBool, StrictInt, model_validator

from app.db.models import VisitAction, VisitMethod, VisitStatus
from app.db.models.complaints import ComplaintSeverity
from app.domain.schemas import (
    LongText,
    Name,
    ReadModel,
    StaffFieldsModel,
    StaffOnly,
    Timestamp,
    WriteModel,
)
from app.domain.users.schemas import UserSummary

Topic = Annotated[str, Field(min_length=1, max_length=200)]
Score = Annotated[StrictInt, Field(ge=1, le=5)]
Nps = Annotated[StrictInt, Field(ge=0, le=10)]
Notes = Annotated[str, Field(min_length=1, max_length=10_000)]


class NpsCategory(StrEnum):
    promoter = "promoter"  # 9-10
    passive = "passive"  # 7-8
    detractor = "detractor"  # 0-6


class VisitCreate(WriteModel):
    customer_id: uuid.UUID
    method: VisitMethod
    planned_at: Timestamp
    topics: list[Topic] = Field(min_length=1, max_length=20, description="what to ask about")
    visitor_id: uuid.UUID | None = Field(
        default=None, description="the staff member who makes the callback"
    )
    service_order_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    repair_order_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class PlanBatch(WriteModel):
    closed_from: Timestamp = Field(description="orders closed at or after this instant")
    closed_to: Timestamp = Field(description="…and before this one")
    method: VisitMethod

    @model_validator(mode="after")
    def _window(self) -> "PlanBatch":
        if self.closed_to <= self.closed_from:
            raise ValueError("closed_to must be after closed_from")
        return self


class PlanBatchResult(ReadModel):
    planned: int = Field(description="visits planned by this run")
    skipped: int = Field(description="orders closed in the window that already have a visit")


class Scores(WriteModel):
    overall: Score
    response_speed: Score
    professionalism: Score
    attitude: Score


class ComplaintAtCallback(WriteModel):
    description: Notes
    severity: ComplaintSeverity
    complainant: Name | None = Field(
        default=None,
        description="who complained; default: the customer user answering, else the company",
    )


class CallbackResult(WriteModel):
    reached: StrictBool
    feedback: LongText | None = None
    scores: Scores | None = Field(default=None, description="1-5 each; only when reached")
    nps: Nps | None = Field(default=None, description="0-10; only when reached")
    complaint: ComplaintAtCallback | None = Field(
        default=None,
        description="a complaint raised during the callback: registered with source callback "
        "and linked both ways; only when reached",
    )

    @model_validator(mode="after")
    def _answers_need_a_customer(self) -> "CallbackResult":
        given = (self.scores, self.nps, self.complaint)
        if not self.reached and any(v is not None for v in given):
            raise ValueError("scores, nps and a complaint need the customer to be reached")
        return self


class RescheduleBody(WriteModel):
    planned_at: Timestamp


class FollowUpBody(WriteModel):
    notes: Notes


class ScoresRead(ReadModel):
    overall: int
    response_speed: int
    professionalism: int
    attitude: int


class FollowUpRead(ReadModel):
    notes: str
    at: datetime
    by: uuid.UUID | None
    by_user: UserSummary | None = Field(description="who followed it up, by name")


class VisitRead(StaffFieldsModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    method: VisitMethod
    status: VisitStatus
    planned_at: datetime
    topics: list[str]
    service_order_ids: list[uuid.UUID]
    repair_order_ids: list[uuid.UUID]
    visitor_id: uuid.UUID | MISSING | None = StaffOnly("who makes the callback")
    visitor: UserSummary | MISSING | None = StaffOnly("who makes the callback, by name")
    reached: bool | None
    feedback: str | None
    scores: ScoresRead | None = Field(description="satisfaction 1-5 per dimension")
    nps: int | None = Field(description="0-10: how likely to recommend us")
    nps_category: NpsCategory | MISSING | None = StaffOnly(
        "promoter 9-10, passive 7-8, detractor 0-6"
    )
    needs_follow_up: bool | MISSING | None = StaffOnly(
        "a detractor answer (NPS ≤ 6 or a score ≤ 2) nobody has followed up yet"
    )
    follow_up: FollowUpRead | MISSING | None = StaffOnly("how a detractor answer was followed up")
    complaint_id: uuid.UUID | None = Field(description="the complaint raised during the callback")
    recorded_at: datetime | None
    unreachable_count: int | MISSING | None = StaffOnly(
        "how often the customer could not be reached"
    )
    cancel_reason: str | MISSING | None = StaffOnly("why the callback was called off")
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[VisitAction]
