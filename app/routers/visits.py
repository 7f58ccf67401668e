import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.auth.dependencies import CurrentUser, Office, Staff
from app.db.models import CallbackVisit
from app.domain.schemas import Page, ReasonBody
from app.domain.visits import reads, service
from app.domain.visits.actions import VISITS
from app.domain.visits.schemas import (
    CallbackResult,
    FollowUpBody,
    PlanBatch,
    PlanBatchResult,
    RescheduleBody,
    VisitCreate,
    VisitRead,
)
from app.http.actions import ActionCall, action_runner
from app.http.deps import JsonRouter, Paging, Session, set_etag
from app.routers.history import History, add_history_routes

router = JsonRouter(prefix="/visits", tags=["visits"])

Act = Annotated[ActionCall[CallbackVisit], Depends(action_runner(VISITS, reads.read_one))]


@router.get("")
async def list_visits(
    session: Session,
    user: CurrentUser,
    page: Paging,
    filters: Annotated[reads.VisitQuery, Query()],
) -> Page[VisitRead]:
    """List the callback visits you may see (customers: their online surveys)."""
    result = await reads.list_visits(session, user, filters, page)
    view = await reads.view_for(session, result.items)
    return Page(
        items=[reads.to_read(v, user, view) for v in result.items],
        next_cursor=result.next_cursor,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def plan_visit(
    session: Session, user: Office, body: VisitCreate, response: Response
) -> VisitRead:
    """Plan a callback: whom, about which orders, how, when, and who calls."""
    visit = await service.plan_visit(session, user, body)
    await session.flush()
    set_etag(response, visit)
    return await reads.read_one(session, user, visit)


@router.post("/plan-batch")
async def plan_visit_batch(session: Session, user: Office, body: PlanBatch) -> PlanBatchResult:
    """Plan one callback per order closed in the window that has none yet (reruns plan
    nothing twice)."""
    return await service.plan_batch(session, user, body)


@router.get("/{visit_id}")
async def get_visit(
    session: Session, user: CurrentUser, visit_id: uuid.UUID, response: Response
) -> VisitRead:
    """Return one callback visit."""
    visit = await reads.get_visit(session, user, visit_id)
    set_etag(response, visit)
    return await reads.read_one(session, user, visit)


@router.post("/{visit_id}/record")
async def record_visit(visit_id: uuid.UUID, body: CallbackResult, act: Act) -> VisitRead:
    """Record the callback: reached or not, feedback, scores and NPS (customers: their own
    online survey)."""
    return await act("record", visit_id, body)


@router.post("/{visit_id}/reschedule")
async def reschedule_visit(visit_id: uuid.UUID, body: RescheduleBody, act: Act) -> VisitRead:
    """Plan an unreachable customer's callback again, for a new time."""
    return await act("reschedule", visit_id, body)


@router.post("/{visit_id}/cancel")
async def cancel_visit(visit_id: uuid.UUID, body: ReasonBody, act: Act) -> VisitRead:
    """Call the callback off, with the reason."""
    return await act("cancel", visit_id, body)


@router.post("/{visit_id}/follow_up")
async def follow_up_visit(visit_id: uuid.UUID, body: FollowUpBody, act: Act) -> VisitRead:
    """Record how a detractor answer was followed up; the visit leaves the follow-up list."""
    return await act("follow_up", visit_id, body)


add_history_routes(
    router,
    History(
        noun="visit",
        path_param="visit_id",
        object_type=CallbackVisit.object_type,
        load=reads.get_visit,
        public=reads.PUBLIC_CHANGES,
        timeline_doc="Everything that happened to the visit, oldest first (customers: public "
        "entries of their survey).",
        records_doc="Write down a contact attempt or a note on the callback (staff).",
    ),
    record_writer=Staff,
)
