import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from app.auth.dependencies import CurrentUser
from app.db.models import Case
from app.domain.cases import service
from app.domain.cases.actions import CASES
from app.domain.cases.schemas import (
    ArchiveBody,
    AssignCaseBody,
    CaseCreate,
    CaseRead,
    CaseResolveBody,
    EscalateBody,
)
from app.domain.schemas import EmptyBody, Page, ReasonBody
from app.domain.timeline import PublicChanges
from app.http.actions import ActionCall, action_runner
from app.http.deps import JsonRouter, Paging, Session, set_etag
from app.routers.history import History, add_history_routes

router = JsonRouter(prefix="/cases", tags=["cases"])

Act = Annotated[ActionCall[Case], Depends(action_runner(CASES, service.read_one))]


_HIDDEN: dict[int | str, dict[str, Any]] = {
    404: {"description": "customers: cases do not exist for them"}
}


@router.get("", responses=_HIDDEN)
async def list_cases(
    session: Session,
    user: CurrentUser,
    page: Paging,
    filters: Annotated[service.CaseQuery, Query()],
) -> Page[CaseRead]:
    """List the difficult cases you may see (office: all; engineers: handled or proposed)."""
    result = await service.list_cases(session, user, filters, page)
    items = await service.read_many(session, user, result.items)
    return Page(items=items, next_cursor=result.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, responses=_HIDDEN)
async def propose_case(
    session: Session, user: CurrentUser, body: CaseCreate, response: Response
) -> CaseRead:
    """Propose a difficult case, from an order or standalone; a supervisor confirms it."""
    case = await service.propose_case(session, user, body)
    await session.flush()
    set_etag(response, case)
    return await service.read_one(session, user, case)


@router.get("/{case_id}")
async def get_case(
    session: Session, user: CurrentUser, case_id: uuid.UUID, response: Response
) -> CaseRead:
    """Return one case with its escalation chain."""
    case = await service.get_case(session, user, case_id)
    set_etag(response, case)
    return await service.read_one(session, user, case)


@router.post("/{case_id}/confirm")
async def confirm_case(case_id: uuid.UUID, act: Act, body: EmptyBody | None = None) -> CaseRead:
    """Confirm a proposed case (supervisor); its tracking file starts."""
    return await act("confirm", case_id, body)


@router.post("/{case_id}/reject")
async def reject_case(case_id: uuid.UUID, body: ReasonBody, act: Act) -> CaseRead:
    """Reject a proposed case with the reason (supervisor; 否定报备)."""
    return await act("reject", case_id, body)


@router.post("/{case_id}/assign")
async def assign_case(case_id: uuid.UUID, body: AssignCaseBody, act: Act) -> CaseRead:
    """Give an open case its handler (office); the handler is notified."""
    return await act("assign", case_id, body)


@router.post("/{case_id}/escalate")
async def escalate_case(case_id: uuid.UUID, body: EscalateBody, act: Act) -> CaseRead:
    """Pass the case to a user of higher authority (the handler or a supervisor), with why."""
    return await act("escalate", case_id, body)


@router.post("/{case_id}/resolve")
async def resolve_case(case_id: uuid.UUID, body: CaseResolveBody, act: Act) -> CaseRead:
    """Record the solution (the handler or a supervisor)."""
    return await act("resolve", case_id, body)


@router.post("/{case_id}/archive")
async def archive_case(case_id: uuid.UUID, body: ArchiveBody, act: Act) -> CaseRead:
    """Record the final result and archive the case (office)."""
    return await act("archive", case_id, body)


add_history_routes(
    router,
    History(
        noun="case",
        path_param="case_id",
        object_type=Case.object_type,
        load=service.get_case,
        public=PublicChanges(frozenset()),
        timeline_doc="The case's tracking file: every step, escalation and record, oldest first.",
        records_doc="Write down what was learnt or done on the case.",
    ),
    record_writer=CurrentUser,
)
