"""Difficult cases (疑难案件): proposed from an order or standalone, tracked to archiving."""

import uuid
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Index, String, Text
from sqlmodel import Field

from app.db.models.base import Entity
from app.db.types import JSONType


class CaseStatus(StrEnum):
    proposed = "proposed"
    open = "open"
    in_progress = "in_progress"
    resolved = "resolved"
    archived = "archived"
    rejected = "rejected"


class CaseAction(StrEnum):
    confirm = "confirm"
    reject = "reject"
    assign = "assign"
    escalate = "escalate"
    resolve = "resolve"
    archive = "archive"


class CaseCriterion(StrEnum):
    repeat_failure = "repeat_failure"
    sla_breached = "sla_breached"
    multiple_visits = "multiple_visits"
    key_customer = "key_customer"
    safety_risk = "safety_risk"
    beyond_authority = "beyond_authority"
    other = "other"


class Case(Entity, table=True):
    __tablename__ = "cases"
    object_type: ClassVar[str] = "case"
    __table_args__ = (
        Index("ix_cases_source", "source_type", "source_id"),
        Index("ix_cases_handler_status", "handler_id", "status"),
    )

    number: str = Field(sa_type=String(30), unique=True)
    status: CaseStatus = Field(sa_type=String(20), index=True)
    # What the case grew out of (None: standalone); the object type names its table.
    source_type: str | None = Field(default=None, sa_type=String(40))
    source_id: uuid.UUID | None = Field(default=None)
    criteria: list[str] = Field(default_factory=list, sa_type=JSONType)
    summary: str = Field(sa_type=Text)
    proposed_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    handler_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    level: int = Field(default=1)
    # The escalation chain: [{from, to, by, at, reason, level}], oldest first.
    escalations: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    solution: str | None = Field(default=None, sa_type=Text)
    final_record: str | None = Field(default=None, sa_type=Text)
    reject_reason: str | None = Field(default=None, sa_type=Text)
    # A watcher's proposal names what it was about ("sla_breached:<order id>"), so the same
    # finding is proposed once, however many ticks or processes see it.
    finding_key: str | None = Field(default=None, sa_type=String(100), unique=True)
