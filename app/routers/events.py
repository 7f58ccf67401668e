from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import Office
from app.domain.event_feed import EventPage, read_events
from app.domain.pagination import MAX_LIMIT
from app.http.deps import Session

router = APIRouter(prefix="/events", tags=["events"])


@router.get("")
async def list_events(
    session: Session,
    _: Office,
    after: Annotated[int, Query(ge=0, le=2**62, description="last seq you have seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    object_type: Annotated[str | None, Query(max_length=40)] = None,
) -> EventPage:
    """Read the event log after a sequence number (integration feed; poll with next_after)."""
    return await read_events(session, after, limit, object_type)
