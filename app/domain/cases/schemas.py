import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator

from app.db.models import CaseAction, CaseCriterion, CaseStatus
from app.domain.schemas import LongText, ReadModel, Reason, WriteModel
from app.domain.users.schemas import UserSummary

Summary = Annotated[str, Field(min_length=1, max_length=10_000)]
Criteria = Annotated[list[CaseCriterion], Field(min_length=1, max_length=len(CaseCriterion))]


class OrderEscalation(WriteModel):
    """The body of `POST /<orders>/{id}/escalate`: why the order is a difficult case."""

    criteria: Criteria
    summary: Summary

    @field_validator("criteria")
    @classmethod
    def _no_duplicates(cls, value: list[CaseCriterion]) -> list[CaseCriterion]:
        if len(set(value)) != len(value):
            raise ValueError("each criterion at most once")
        return value


class CaseCreate(OrderEscalation):
    source_type: str | None = Field(
        default=None,
        max_length=40,
        description="what the case grew out of: service_order, repair_order (omit: standalone)",
    )
    source_id: uuid.UUID | None = None


class AssignCaseBody(WriteModel):
    handler_id: uuid.UUID = Field(description="an active staff user")


class EscalateBody(WriteModel):
    reason: Reason
    to_user_id: uuid.UUID = Field(description="staff with a higher authority_level")


class CaseResolveBody(WriteModel):
    solution: Annotated[LongText, Field(min_length=1)]


class ArchiveBody(WriteModel):
    final_record: Annotated[LongText, Field(min_length=1)]


class EscalationRead(ReadModel):
    model_config = {"populate_by_name": True}

    from_: UserSummary | None = Field(alias="from", description="the handler before")
    to: UserSummary | None
    by: UserSummary | None
    at: datetime
    reason: str
    level: int = Field(description="the case's level after this step")


class CaseSource(ReadModel):
    type: str
    id: uuid.UUID


class CaseRead(ReadModel):
    id: uuid.UUID
    number: str
    status: CaseStatus
    source: CaseSource | None = Field(description="the order it grew out of; null: standalone")
    source_type: str | None
    source_id: uuid.UUID | None
    criteria: list[CaseCriterion]
    summary: str
    proposed_by: UserSummary | None = Field(description="null: proposed by a watcher")
    handler_id: uuid.UUID | None
    handler: UserSummary | None
    level: int
    escalations: list[EscalationRead]
    solution: str | None
    final_record: str | None
    reject_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[CaseAction]


class CaseLink(ReadModel):
    """The difficult case an order was escalated into (the latest one)."""

    id: uuid.UUID
    number: str
    status: CaseStatus
    level: int
