"""`POST /<orders>/{id}/escalate`: one route factory for every order resource (SPEC §4.1)."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from app.auth.dependencies import CurrentUser
from app.domain.actions import Subject, perform
from app.domain.cases import escalation as _escalation  # noqa: F401  (registers the handler)
from app.domain.cases import service
from app.domain.cases.schemas import CaseRead, OrderEscalation
from app.http.deps import IfMatch, Session, set_etag


def add_escalate_route(
    router: APIRouter, subject: Subject[Any], *, noun: str, path_param: str = "order_id"
) -> None:
    """Add `POST /{id}/escalate` to an order router: the order's own `escalate` action (lock,
    scope, If-Match on the order, checks, one event on it) proposes a linked case, which is the
    answer (201, with the case's ETag)."""
    order_id_in_path = Annotated[uuid.UUID, Path(alias=path_param)]

    async def escalate(
        session: Session,
        user: CurrentUser,
        version: IfMatch,
        response: Response,
        order_id: order_id_in_path,
        body: OrderEscalation,
    ) -> CaseRead:
        order = await perform(subject, session, user, order_id, "escalate", body, version)
        await session.flush()
        case = await service.active_case_for(session, order.object_type, order.id)
        assert case is not None  # the action has just proposed it
        set_etag(response, case)
        return await service.read_one(session, user, case)

    router.add_api_route(
        f"/{{{path_param}}}/escalate",
        escalate,
        methods=["POST"],
        status_code=status.HTTP_201_CREATED,
        name=f"escalate_{noun}",
        response_model=CaseRead,
        description="Escalate the order into a difficult case (proposed; a supervisor confirms "
        "it); 409 while a case for the order is still proposed, open or in progress.",
    )
