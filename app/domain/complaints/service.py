"""Complaints: register, read, list. The workflow actions are in actions.py."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

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
from app.domain.complaints.schemas import ComplaintCreate
from app.domain.complaints.workflow import COMPLAINT
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.events import add_created
from app.domain.numbering import next_number

NUMBER_PREFIX = "CP"


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
    return await register_complaint(
        session, actor, **data.model_dump(exclude={"source"}), source=source
    )


async def get_complaint(session: AsyncSession, user: User, complaint_id: uuid.UUID) -> Complaint:
    return await get_or_404(session, user, Complaint, complaint_id, "Complaint")
