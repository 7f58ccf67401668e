"""Customer callback visits (客户回访) and the orders each one is about."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlmodel import Field, SQLModel

from app.db.models.base import Entity
from app.db.types import JSONType, UTCDateTime


class VisitStatus(StrEnum):
    planned = "planned"
    completed = "completed"
    unreachable = "unreachable"
    cancelled = "cancelled"


class VisitAction(StrEnum):
    record = "record"
    reschedule = "reschedule"
    cancel = "cancel"
    follow_up = "follow_up"


class VisitMethod(StrEnum):
    phone = "phone"
    onsite = "onsite"
    email = "email"
    online_survey = "online_survey"


class CallbackVisit(Entity, table=True):
    __tablename__ = "visits"
    object_type: ClassVar[str] = "visit"
    __table_args__ = (
        Index("ix_visits_customer_created", "customer_id", "created_at", "id"),
        Index("ix_visits_status_created", "status", "created_at", "id"),
        Index("ix_visits_visitor_created", "visitor_id", "created_at", "id"),
    )

    customer_id: uuid.UUID = Field(foreign_key="customers.id")
    method: VisitMethod = Field(sa_type=String(20))
    status: VisitStatus = Field(sa_type=String(20))
    planned_at: datetime = Field(sa_type=UTCDateTime, index=True)
    topics: list[str] = Field(default_factory=list, sa_type=JSONType)
    visitor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    planned_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    # "service_order:<id>" for a visit planned *because* an order closed (plan-batch, the survey
    # on close): unique, so two concurrent runs can never plan that order's callback twice.
    callback_for: str | None = Field(default=None, sa_type=String(60), unique=True)
    reached: bool | None = None
    feedback: str | None = Field(default=None, sa_type=Text)
    score_overall: int | None = None
    score_response_speed: int | None = None
    score_professionalism: int | None = None
    score_attitude: int | None = None
    nps: int | None = None
    recorded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recorded_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    unreachable_count: int = 0
    # A detractor answer waits here for someone to follow it up (or a complaint to be filed).
    needs_follow_up: bool = Field(default=False, index=True)
    follow_up: dict[str, Any] | None = Field(default=None, sa_type=JSONType)  # {notes, at, by}
    # The complaint raised during the callback (complaints.visit_id points back). Not a foreign
    # key: the complaints table arrives on its own branch; the link is written by one service.
    complaint_id: uuid.UUID | None = Field(default=None, index=True)
    cancel_reason: str | None = Field(default=None, sa_type=Text)


class VisitOrder(SQLModel, table=True):
    """One order a visit is about: a service order or a repair order."""

    __tablename__ = "visit_orders"
    __table_args__ = (
        CheckConstraint(
            "(service_order_id IS NULL) <> (repair_order_id IS NULL)", name="one_order"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    service_order_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_orders.id", index=True
    )
    repair_order_id: uuid.UUID | None = Field(
        default=None, foreign_key="repair_orders.id", index=True
    )
