"""The timeline and records routes, one helper for every object with a history (SPEC §3).

A router describes its object once (`History`) and calls `add_history_routes`; it gets
`GET /{id}/timeline`, and with a record writer `POST /{id}/records` and `GET /{id}/records`,
with the same paging, scoping and customer rules everywhere.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Path, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.dependencies import CurrentUser
from app.db.models import User
from app.domain.pagination import MAX_LIMIT
from app.domain.timeline import (
    PublicChanges,
    RecordCreate,
    RecordLimits,
    RecordPage,
    RecordRead,
    TimelinePage,
    TimelineQuery,
    add_record,
    list_records,
    record_read,
    timeline,
)
from app.domain.users.summaries import load_people
from app.http.deps import Session

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="entries per page")]
Cursor = Annotated[str | None, Query(max_length=1000, description="next_cursor of the last page")]


@dataclass(frozen=True)
class History:
    """What the routes need to know about one kind of object."""

    noun: str  # "service_order": operation ids get_service_order_timeline, add_…_record
    path_param: str  # the id's name in the URL, as the object's other routes call it
    object_type: str
    load: Callable[[AsyncSession, User, uuid.UUID], Awaitable[Any]]  # scoped; 404 if unseen
    public: PublicChanges  # what a customer may see of its events
    timeline_doc: str
    records_doc: str = ""


def _limits(request: Request) -> RecordLimits:
    settings = request.app.state.settings
    return RecordLimits(
        max_chars=settings.customer_record_max_chars,
        per_hour=settings.customer_records_per_hour,
    )


def add_history_routes(
    router: APIRouter,
    history: History,
    *,
    reader: Any = CurrentUser,
    record_writer: Any = None,
) -> None:
    """Add the timeline (and, given who may write, the records) routes of `history`'s object.

    `reader` and `record_writer` are role dependencies such as `CurrentUser` or `Office`."""
    read_as = get_args(reader)[1]
    object_id_in_path = Annotated[uuid.UUID, Path(alias=history.path_param)]

    async def get_timeline(
        session: Session,
        user: Annotated[User, read_as],
        object_id: object_id_in_path,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> TimelinePage:
        obj = await history.load(session, user, object_id)
        query = TimelineQuery(history.object_type, obj.id, history.public, limit, cursor)
        return await timeline(session, user, query)

    router.add_api_route(
        f"/{{{history.path_param}}}/timeline",
        get_timeline,
        methods=["GET"],
        name=f"get_{history.noun}_timeline",
        description=history.timeline_doc,
    )
    if record_writer is None:
        return
    write_as = get_args(record_writer)[1]

    async def add_object_record(
        request: Request,
        session: Session,
        user: Annotated[User, write_as],
        object_id: object_id_in_path,
        body: RecordCreate,
    ) -> RecordRead:
        obj = await history.load(session, user, object_id)
        record = await add_record(session, user, history.object_type, obj, body, _limits(request))
        return record_read(record, await load_people(session, [record.author_id]))

    router.add_api_route(
        f"/{{{history.path_param}}}/records",
        add_object_record,
        methods=["POST"],
        status_code=status.HTTP_201_CREATED,
        name=f"add_{history.noun}_record",
        description=history.records_doc,
        responses={429: {"description": "a customer wrote too many records in the last hour"}},
    )

    async def list_object_records(
        session: Session,
        user: Annotated[User, read_as],
        object_id: object_id_in_path,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> RecordPage:
        obj = await history.load(session, user, object_id)
        query = TimelineQuery(history.object_type, obj.id, history.public, limit, cursor)
        return await list_records(session, user, query)

    router.add_api_route(
        f"/{{{history.path_param}}}/records",
        list_object_records,
        methods=["GET"],
        name=f"list_{history.noun}_records",
        description="The written records, oldest first (customers: never internal ones).",
    )
