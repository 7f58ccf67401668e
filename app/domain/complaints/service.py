"""Complaints: register, read, list. The workflow actions are in actions.py."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OFFICE_ROLES, Role, User
from app.db.models.complaints import (
    Complaint,
    ComplaintSeverity,
    ComplaintSource,
    ComplaintStatus,
)
from app.db.types import utcnow
from app.domain.common import get_or_404
from app.domain.complaints.links import check_links
from app.domain.complaints.schemas import (
    AssessmentRead,
    ComplaintCreate,
    ComplaintRead,
    FeedbackRead,
    RejectionReport,
)
from app.domain.complaints.workflow import COMPLAINT
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.events import add_created
from app.domain.filters import ListQuery, apply_filters
from app.domain.numbering import next_number
from app.domain.pagination import PageParams, PageResult, paginate_visible
from app.domain.schemas import Timestamp, read_for
from app.domain.timeline import PublicChanges
from app.domain.users.summaries import People, load_people
from app.domain.visits.service import complaint_filed

NUMBER_PREFIX = "CP"
SORTS = {
    "created_at": col(Complaint.created_at),
    "updated_at": col(Complaint.updated_at),
    "received_at": col(Complaint.received_at),
    "number": col(Complaint.number),
}
# What a customer sees of a complaint's events: what it said, the decision and what was done;
# never the judgement's reason, the cause analysis, the handler or the internal feedback.
PUBLIC_CHANGES = PublicChanges(
    frozenset(
        {
            "source",
            "customer_id",
            "complainant",
            "description",
            "severity",
            "service_order_id",
            "repair_order_id",
            "visit_id",
            "accepted",
            "actions_taken",
            "customer_notified",
            "closed_at",
        }
    )
)


class ComplaintQuery(ListQuery):
    search_columns = ("number", "complainant", "description")
    number_prefix = NUMBER_PREFIX
    special = frozenset({"rejected", "received_after", "received_before"})

    q: str | None = Field(default=None, max_length=200, description="number, complainant, text")
    status: list[ComplaintStatus] | None = Field(default=None, max_length=7)
    customer_id: uuid.UUID | None = None
    source: list[ComplaintSource] | None = Field(default=None, max_length=5)
    severity: list[ComplaintSeverity] | None = Field(default=None, max_length=4)
    handler_id: uuid.UUID | None = Field(default=None, description="staff only")
    service_order_id: uuid.UUID | None = None
    repair_order_id: uuid.UUID | None = None
    visit_id: uuid.UUID | None = None
    received_after: Timestamp | None = Field(default=None, description="received at or after")
    received_before: Timestamp | None = Field(default=None, description="received before")
    rejected: bool | None = Field(
        default=None, description="true: the rejections reported upward (否定报备), even closed"
    )


async def register_complaint(
    session: AsyncSession,
    actor: User,
    *,
    source: ComplaintSource,
    customer_id: uuid.UUID,
    complainant: str,
    description: str,
    severity: ComplaintSeverity,
    service_order_id: uuid.UUID | None = None,
    repair_order_id: uuid.UUID | None = None,
    visit_id: uuid.UUID | None = None,
) -> Complaint:
    """Register a complaint (客户投诉处理单): check its links, number it, write its "created" event.

    The one way a complaint comes into being: the route (after its role rules) and a callback
    visit that records a complaint (source `callback`, with its `visit_id`) both call this, in
    the caller's unit of work. Who may register is the caller's to decide; the links are checked
    here (422 on a field naming another customer's or a missing object)."""
    await check_links(
        session,
        actor,
        customer_id,
        service_order_id=service_order_id,
        repair_order_id=repair_order_id,
        visit_id=visit_id,
    )
    fields: dict[str, Any] = {
        "source": ComplaintSource(source),
        "customer_id": customer_id,
        "complainant": complainant,
        "description": description,
        "severity": ComplaintSeverity(severity),
        "service_order_id": service_order_id,
        "repair_order_id": repair_order_id,
        "visit_id": visit_id,
    }
    complaint = Complaint(
        **fields,
        number=await next_number(session, NUMBER_PREFIX),
        status=ComplaintStatus(COMPLAINT.initial),
        received_at=utcnow(),
        # 首问负责: the staff member who took the complaint follows it through.
        owner_id=actor.id if actor.role in OFFICE_ROLES else None,
    )
    changes = {k: v for k, v in fields.items() if v is not None}
    await add_created(session, actor, Complaint.object_type, complaint, changes)
    return complaint


async def create_complaint(session: AsyncSession, actor: User, data: ComplaintCreate) -> Complaint:
    """POST /complaints: the office registers any customer's; a customer files its own, always
    through the portal."""
    source = data.source
    if actor.role == Role.customer:
        source = ComplaintSource.portal  # forced: whatever the portal sent
    elif actor.role not in OFFICE_ROLES:
        raise Forbidden("Only the office and customers register complaints")
    elif source is None:
        raise ValidationFailed([("source", "say how the complaint arrived")])
    complaint = await register_complaint(
        session, actor, **data.model_dump(exclude={"source"}), source=source
    )
    # A complaint about a callback is that callback's follow-up (links it back, clears a flag).
    await complaint_filed(session, actor, complaint)
    return complaint


def _person(people: People, user_id: Any) -> Any:
    return people.get(uuid.UUID(str(user_id))) if user_id else None


def _people_named_by(complaint: Complaint) -> list[uuid.UUID | None]:
    assessment, feedback = complaint.assessment or {}, complaint.feedback or {}
    named = [assessment.get("by"), feedback.get("by"), *assessment.get("reported_to", [])]
    ids = [uuid.UUID(str(i)) for i in named if i]
    return [complaint.owner_id, complaint.handler_id, *ids]


async def people_for(session: AsyncSession, complaints: Sequence[Complaint]) -> People:
    return await load_people(session, [i for c in complaints for i in _people_named_by(c)])


def to_read(complaint: Complaint, user: User, people: People) -> ComplaintRead:
    assessment = complaint.assessment
    computed: dict[str, Any] = {"allowed_actions": COMPLAINT.allowed_actions(complaint, user)}
    staff = user.role != Role.customer
    if staff:
        computed["owner"] = _person(people, complaint.owner_id)
        computed["handler"] = _person(people, complaint.handler_id)
        computed["assessment"] = assessment and AssessmentRead(
            authentic=assessment["authentic"],
            reasonable=assessment["reasonable"],
            accepted=assessment["accepted"],
            reason=assessment.get("reason"),
            assessed_by=_person(people, assessment.get("by")),
            assessed_at=datetime.fromisoformat(assessment["at"]),
        )
        rejected = assessment is not None and not assessment["accepted"]
        computed["rejection_report"] = (
            RejectionReport(
                reason=assessment["reason"],
                rejected_by=_person(people, assessment.get("by")),
                rejected_at=datetime.fromisoformat(assessment["at"]),
                reported_to=[
                    p for p in (_person(people, i) for i in assessment["reported_to"]) if p
                ],
            )
            if assessment is not None and rejected
            else None
        )
        feedback = complaint.feedback
        computed["feedback"] = feedback and FeedbackRead(
            to_staff=feedback["to_staff"],
            to_supervisor=feedback["to_supervisor"],
            customer_notified=feedback["customer_notified"],
            reported_by=_person(people, feedback.get("by")),
            reported_at=datetime.fromisoformat(feedback["at"]),
        )
    return read_for(ComplaintRead, complaint, staff=staff, **computed)


async def read_one(session: AsyncSession, user: User, complaint: Complaint) -> ComplaintRead:
    return to_read(complaint, user, await people_for(session, [complaint]))


async def list_complaints(
    session: AsyncSession, user: User, filters: ComplaintQuery, page: PageParams
) -> PageResult[Complaint]:
    if user.role == Role.customer and filters.handler_id is not None:
        raise ValidationFailed([("handler_id", "a staff filter")])
    stmt = apply_filters(select(Complaint), Complaint, filters)  # scoped by paginate_visible
    received = col(Complaint.received_at)
    if filters.received_after is not None:
        stmt = stmt.where(received >= filters.received_after)
    if filters.received_before is not None:
        stmt = stmt.where(received < filters.received_before)
    if filters.rejected is not None:
        accepted = col(Complaint.accepted)
        stmt = stmt.where(
            accepted.is_(False) if filters.rejected else or_(accepted.is_(None), accepted.is_(True))
        )
    return await paginate_visible(session, user, stmt, Complaint, page, SORTS)


async def get_complaint(session: AsyncSession, user: User, complaint_id: uuid.UUID) -> Complaint:
    return await get_or_404(session, user, Complaint, complaint_id, "Complaint")
