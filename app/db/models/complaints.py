"""Complaints (客户投诉处理单): who complained about what, how it was judged and handled."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Index, String, Text
from sqlmodel import Field

from app.db.models.base import Entity
from app.db.types import JSONType, UTCDateTime


class ComplaintSource(StrEnum):
    hotline = "hotline"
    callback = "callback"
    portal = "portal"
    email = "email"
    walk_in = "walk_in"


class ComplaintSeverity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class ComplaintStatus(StrEnum):
    registered = "registered"
    accepted = "accepted"
    rejected = "rejected"
    handling = "handling"
    resolved = "resolved"
    reported = "reported"
    closed = "closed"


class ComplaintAction(StrEnum):
    assess = "assess"
    analyze = "analyze"
    resolve = "resolve"
    report_back = "report_back"
    close = "close"


class Complaint(Entity, table=True):
    __tablename__ = "complaints"
    object_type: ClassVar[str] = "complaint"
    __table_args__ = (
        Index("ix_complaints_customer_created", "customer_id", "created_at", "id"),
        Index("ix_complaints_status_created", "status", "created_at", "id"),
    )

    number: str = Field(sa_type=String(30), unique=True)
    source: ComplaintSource = Field(sa_type=String(20))
    customer_id: uuid.UUID = Field(foreign_key="customers.id", index=True)
    service_order_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_orders.id", index=True
    )
    repair_order_id: uuid.UUID | None = Field(
        default=None, foreign_key="repair_orders.id", index=True
    )
    # The callback visit it was raised in. A plain uuid until the visits table exists; the
    # foreign key (and the check in app.domain.complaints.links) arrive with it.
    visit_id: uuid.UUID | None = Field(default=None, index=True)
    complainant: str = Field(sa_type=String(200))
    description: str = Field(sa_type=Text)
    severity: ComplaintSeverity = Field(sa_type=String(10), index=True)
    status: ComplaintStatus = Field(sa_type=String(20), index=True)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # The staff member who registered it (首问负责); None when a customer filed it.
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    # {authentic, reasonable, accepted, reason, by, at}; `accepted` is kept beside it as a
    # column so "the rejections" (否定报备) are a plain indexed comparison, even once closed.
    assessment: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    accepted: bool | None = Field(default=None, index=True)
    handler_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    cause_analysis: str | None = Field(default=None, sa_type=Text)
    actions_taken: str | None = Field(default=None, sa_type=Text)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    feedback: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
