"""Difficult cases: propose (from an order or standalone), read, list. The workflow actions are
in actions.py; the watchers' proposals in findings.py."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import String, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from app.db.models import (
    Case,
    CaseCriterion,
    CaseStatus,
    Complaint,
    RepairOrder,
    Role,
    ServiceOrder,
    User,
)
from app.db.repositories.scoping import select_visible
from app.domain.cases.schemas import (
    CaseCreate,
    CaseRead,
    CaseSource,
    EscalationRead,
    OrderEscalation,
)
from app.domain.cases.workflow import CASE
from app.domain.common import get_for_field, get_or_404
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.domain.events import add_created
from app.domain.filters import ListQuery, apply_filters
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.service import Message, notify, supervisor_ids
from app.domain.numbering import next_number
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.users.summaries import People, load_people

NUMBER_PREFIX = "CS"
# What a case may grow out of, by `source_type`: the lead adds "complaint" when that table exists.
SOURCES: dict[str, type[Any]] = {
    ServiceOrder.object_type: ServiceOrder,
    RepairOrder.object_type: RepairOrder,
    Complaint.object_type: Complaint,
}
SORTS = {
    "created_at": col(Case.created_at),
    "updated_at": col(Case.updated_at),
    "number": col(Case.number),
    "level": col(Case.level),
}


class CaseQuery(ListQuery):
    search_columns = ("number", "summary")
    number_prefix = NUMBER_PREFIX
    special = frozenset({"criteria"})

    q: str | None = Field(default=None, max_length=200, description="number or summary")
    status: list[CaseStatus] | None = Field(default=None, max_length=6)
    criteria: CaseCriterion | None = Field(default=None, description="cases naming it")
    handler_id: uuid.UUID | None = None
    source_type: str | None = Field(default=None, max_length=40)
    source_id: uuid.UUID | None = None
    level: int | None = Field(default=None, ge=1, le=1000)


def _people_named_by(case: Case) -> list[uuid.UUID | None]:
    chain = [uuid.UUID(e[k]) for e in case.escalations for k in ("from", "to", "by") if e.get(k)]
    return [case.proposed_by_id, case.handler_id, *chain]


def to_read(case: Case, user: User, people: People) -> CaseRead:
    def named(value: Any) -> Any:
        return people.get(uuid.UUID(str(value))) if value else None

    return CaseRead(
        **{k: getattr(case, k) for k in CaseRead.model_fields if hasattr(case, k)}
        | {
            "source": CaseSource(type=case.source_type, id=case.source_id)
            if case.source_type and case.source_id
            else None,
            "proposed_by": named(case.proposed_by_id),
            "handler": named(case.handler_id),
            "escalations": [
                EscalationRead(
                    from_=named(e.get("from")),
                    to=named(e.get("to")),
                    by=named(e.get("by")),
                    at=datetime.fromisoformat(e["at"]),
                    reason=e["reason"],
                    level=e["level"],
                )
                for e in case.escalations
            ],
            "allowed_actions": CASE.allowed_actions(case, user),
        }
    )


async def read_many(session: AsyncSession, user: User, cases: Sequence[Case]) -> list[CaseRead]:
    people = await load_people(session, [i for c in cases for i in _people_named_by(c)])
    return [to_read(c, user, people) for c in cases]


async def read_one(session: AsyncSession, user: User, case: Case) -> CaseRead:
    return (await read_many(session, user, [case]))[0]


async def get_case(session: AsyncSession, user: User, case_id: uuid.UUID) -> Case:
    return await get_or_404(session, user, Case, case_id, "Case")


def _staff_only(user: User) -> None:
    # Cases are the department's own file: to a customer they do not exist (404, not 403).
    if user.role == Role.customer:
        raise NotFound("Case")


async def active_case_for(session: AsyncSession, source_type: str, source_id: Any) -> Case | None:
    stmt = select(Case).where(
        col(Case.source_type) == source_type,
        col(Case.source_id) == source_id,
        col(Case.status).in_(sorted(CASE.group("active"))),
    )
    return (await session.scalars(stmt.limit(1))).first()


async def _propose(
    session: AsyncSession,
    actor: User | None,
    source: tuple[str, Any] | None,
    body: OrderEscalation,
    finding_key: str | None = None,
) -> Case:
    case = Case(
        number=await next_number(session, NUMBER_PREFIX),
        status=CaseStatus(CASE.initial),
        source_type=source[0] if source else None,
        source_id=source[1] if source else None,
        criteria=[c.value for c in body.criteria],
        summary=body.summary,
        proposed_by_id=actor.id if actor else None,
        finding_key=finding_key,
    )
    created = {"criteria": case.criteria, "summary": case.summary}
    if source:
        created |= {"source_type": source[0], "source_id": source[1]}
        await _mark_source(session, SOURCES[source[0]], source[1])
    await add_created(session, actor, Case.object_type, case, created, public=False)
    notify(
        session,
        await supervisor_ids(session),
        Message(
            NotificationKind.case_proposed,
            {"number": case.number, "subject": case.summary[:200]},
            Case.object_type,
            case.id,
        ),
    )
    return case


async def _mark_source(session: AsyncSession, model: type[Any], source_id: Any) -> None:
    """Note on the order that it has a case (`has_case`, which lets order reads skip the case
    query). Bookkeeping, not an edit of the order: no version or updated_at of its own."""
    if not hasattr(model, "has_case"):
        return
    with session.no_autoflush:  # the order's own pending changes go in its one UPDATE
        await session.execute(
            update(model)
            .where(model.id == source_id, model.has_case.is_(False))
            .values(has_case=True, updated_at=model.updated_at)
            .execution_options(synchronize_session=False)
        )
    loaded = session.identity_map.get(identity_key(model, source_id))
    if loaded is not None:
        set_committed_value(loaded, "has_case", True)


async def propose_from_order(
    session: AsyncSession, actor: User | None, source_type: str, order: Any, body: OrderEscalation
) -> Case:
    """Propose a case about `order` (already loaded in the actor's scope); 409 naming the case
    while one for the order is still proposed, open or in progress."""
    existing = await active_case_for(session, source_type, order.id)
    if existing is not None:
        raise Conflict(
            f"{existing.number} ({existing.status}) is already open for this order",
            case_id=str(existing.id),
            case_number=existing.number,
        )
    return await _propose(session, actor, (source_type, order.id), body)


async def propose_finding(
    session: AsyncSession, source_type: str, source_id: uuid.UUID, body: OrderEscalation
) -> Case:
    """A watcher's proposal (no actor), at most once per criterion and order."""
    key = f"{body.criteria[0].value}:{source_id}"
    return await _propose(session, None, (source_type, source_id), body, finding_key=key)


async def propose_case(session: AsyncSession, actor: User, body: CaseCreate) -> Case:
    _staff_only(actor)
    if (body.source_type is None) != (body.source_id is None):
        raise ValidationFailed([("source_id", "source_type and source_id go together")])
    if body.source_type is None or body.source_id is None:
        return await _propose(session, actor, None, body)
    model = SOURCES.get(body.source_type)
    if model is None:
        raise ValidationFailed([("source_type", f"one of {', '.join(sorted(SOURCES))}")])
    order = await get_for_field(session, actor, model, body.source_id, "source_id", "Source")
    return await propose_from_order(session, actor, body.source_type, order, body)


async def list_cases(
    session: AsyncSession, user: User, filters: CaseQuery, page: PageParams
) -> PageResult[Case]:
    _staff_only(user)
    stmt = apply_filters(select_visible(user, Case), Case, filters)
    if filters.criteria is not None:
        # JSON containment differs per database; a case names each criterion once, quoted.
        pattern = f'%"{filters.criteria.value}"%'
        stmt = stmt.where(cast(col(Case.criteria), String()).like(pattern))
    return await paginate(session, stmt, Case, page, SORTS)
