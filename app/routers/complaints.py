import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.auth.dependencies import CurrentUser, require_role
from app.db.models import Role, User
from app.db.models.complaints import Complaint
from app.domain.complaints import service
from app.domain.complaints.actions import COMPLAINTS
from app.domain.complaints.schemas import (
    AnalyzeBody,
    AssessBody,
    ComplaintCreate,
    ComplaintRead,
    ReportBackBody,
    ResolveBody,
)
from app.domain.schemas import EmptyBody, Page
from app.http.actions import ActionCall, action_runner
from app.http.deps import JsonRouter, Paging, Session, set_etag
from app.routers.history import History, add_history_routes

router = JsonRouter(prefix="/complaints", tags=["complaints"])

Registrar = Annotated[User, Depends(require_role(Role.clerk, Role.supervisor, Role.customer))]
Act = Annotated[ActionCall[Complaint], Depends(action_runner(COMPLAINTS, service.read_one))]


@router.get("")
async def list_complaints(
    session: Session,
    user: CurrentUser,
    page: Paging,
    filters: Annotated[service.ComplaintQuery, Query()],
) -> Page[ComplaintRead]:
    """List the complaints you may see (status, source, severity repeatable; rejected=true for
    the rejections reported upward)."""
    result = await service.list_complaints(session, user, filters, page)
    people = await service.people_for(session, result.items)
    return Page(
        items=[service.to_read(c, user, people) for c in result.items],
        next_cursor=result.next_cursor,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_complaint(
    session: Session, user: Registrar, body: ComplaintCreate, response: Response
) -> ComplaintRead:
    """Register a complaint (office), or file your own through the portal (customer)."""
    complaint = await service.create_complaint(session, user, body)
    await session.flush()
    set_etag(response, complaint)
    return await service.read_one(session, user, complaint)


@router.get("/{complaint_id}")
async def get_complaint(
    session: Session, user: CurrentUser, complaint_id: uuid.UUID, response: Response
) -> ComplaintRead:
    """Return one complaint (customers: the public parts of their own)."""
    complaint = await service.get_complaint(session, user, complaint_id)
    set_etag(response, complaint)
    return await service.read_one(session, user, complaint)


@router.post("/{complaint_id}/assess")
async def assess_complaint(complaint_id: uuid.UUID, body: AssessBody, act: Act) -> ComplaintRead:
    """Judge authenticity and reasonableness and accept, or reject with a reason (supervisors
    only; every supervisor is notified: 否定报备)."""
    return await act("assess", complaint_id, body)


@router.post("/{complaint_id}/analyze")
async def analyze_complaint(complaint_id: uuid.UUID, body: AnalyzeBody, act: Act) -> ComplaintRead:
    """Record the cause analysis and assign the handler (again to revise or re-assign)."""
    return await act("analyze", complaint_id, body)


@router.post("/{complaint_id}/resolve")
async def resolve_complaint(complaint_id: uuid.UUID, body: ResolveBody, act: Act) -> ComplaintRead:
    """Record the actions taken (the office or the handler)."""
    return await act("resolve", complaint_id, body)


@router.post("/{complaint_id}/report_back")
async def report_back_complaint(
    complaint_id: uuid.UUID, body: ReportBackBody, act: Act
) -> ComplaintRead:
    """Feed the result back to the staff involved and the supervisor; optionally tell the
    customer (public parts only)."""
    return await act("report_back", complaint_id, body)


@router.post("/{complaint_id}/close")
async def close_complaint(
    complaint_id: uuid.UUID, act: Act, body: EmptyBody | None = None
) -> ComplaintRead:
    """Archive and close a reported-back or rejected complaint."""
    return await act("close", complaint_id, body)


add_history_routes(
    router,
    History(
        noun="complaint",
        path_param="complaint_id",
        object_type=Complaint.object_type,
        load=service.get_complaint,
        public=service.PUBLIC_CHANGES,
        timeline_doc="Everything that happened to the complaint, oldest first (customers: the "
        "public entries of their own).",
        records_doc="Write down a contact or work step (customers: messages through the portal "
        "only, size- and rate-limited).",
    ),
    record_writer=CurrentUser,
)
