"""One dependency for every workflow action route: the session, the caller, If-Match and the
response (for its ETag), bound to a resource's `Subject` and how it renders a read.

A route stays a few greppable lines:

    @router.post("/{order_id}/hold")
    async def hold_service_order(order_id: uuid.UUID, body: ReasonBody, act: Act) -> ...:
        \"\"\"Put the order on hold with a reason; the SLA clock stops.\"\"\"
        return await act("hold", order_id, body)
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.dependencies import CurrentUser
from app.db.models import User
from app.domain.actions import Subject, perform
from app.http.deps import IfMatch, Session, set_etag

M = TypeVar("M")
Render = Callable[[AsyncSession, User, Any], Awaitable[Any]]


@dataclass
class ActionCall(Generic[M]):
    subject: Subject[M]
    render: Render
    session: AsyncSession
    user: User
    version: int | None
    response: Response

    async def __call__(self, action: str, obj_id: uuid.UUID, body: BaseModel | None = None) -> Any:
        obj = await perform(
            self.subject, self.session, self.user, obj_id, action, body, self.version
        )
        await self.session.flush()
        set_etag(self.response, obj)
        return await self.render(self.session, self.user, obj)


def action_runner(subject: Subject[M], render: Render) -> Callable[..., Awaitable[ActionCall[M]]]:
    """The dependency a resource's action routes share (use it as `Annotated[…, Depends(…)]`)."""

    async def dependency(
        session: Session, user: CurrentUser, version: IfMatch, response: Response
    ) -> ActionCall[M]:
        return ActionCall(subject, render, session, user, version, response)

    return dependency
