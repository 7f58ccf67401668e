from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import Staff
from app.domain.pagination import MAX_LIMIT
from app.domain.repair_orders.work import my_work
from app.domain.work import WorkList
from app.http.deps import Session

router = APIRouter(prefix="/users/me", tags=["work"])


@router.get("/work")
async def get_my_work(
    session: Session,
    user: Staff,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> WorkList:
    """List what you are responsible for now, by role: service orders (today's appointments
    first), then repair orders (paged)."""
    return await my_work(session, user, limit, cursor)
