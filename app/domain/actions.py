"""The one runner of workflow actions: lock → load in scope (404) → If-Match (412) → check
(403/409) → the action's handler → new state → exactly one event.

Handlers (registered on their workflow table with `@TABLE.handles("name")`) keep only their
own rules. They do their reads and writes of *other* rows before they touch the object, so the
object is written by one UPDATE: one action, one new version.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import User
from app.db.repositories.locks import lock_row
from app.db.repositories.scoping import lock_on_read
from app.domain.common import check_version
from app.domain.events import record_event
from app.domain.workflow import Workflow

M = TypeVar("M")


@dataclass
class Step(Generic[M]):
    """One action in progress: the locked object, who acts, and where it goes."""

    session: AsyncSession
    actor: User
    obj: M
    action: str
    from_status: str
    to_status: str
    outcomes: frozenset[str] = frozenset()

    def choose(self, state: str) -> None:
        """Pick the outcome the input decides (re-inspection pass or fail, a vendor's result);
        only a state the table names for this action is allowed."""
        if state not in self.outcomes:
            raise ValueError(f"'{self.action}' cannot lead to '{state}'")
        self.to_status = state

    def enter(self) -> None:
        """Take the new state now, for a rule that reads it before the handler ends (the SLA
        clock); the runner sets it anyway when the handler returns."""
        obj: Any = self.obj
        obj.status = self.to_status


@dataclass(frozen=True)
class Subject(Generic[M]):
    """What a workflow acts on: its table, its model and how to load one in the caller's scope
    (raising 404 for an object the caller may not see)."""

    workflow: Workflow
    model: type[M]
    load: Callable[[AsyncSession, User, uuid.UUID], Awaitable[M]]
    # Locks to take before the object's own, for a workflow whose actions also write a parent
    # row (an external repair moves its repair order): parent first, the order every writer of
    # the two uses, so they queue instead of deadlocking.
    lock_first: Callable[[AsyncSession, uuid.UUID], Awaitable[None]] | None = None


async def perform(
    subject: Subject[M],
    session: AsyncSession,
    actor: User,
    obj_id: uuid.UUID,
    action: str,
    body: BaseModel | None,
    version: int | None,
) -> M:
    # Lock before reading: a concurrent action on the same object waits, then sees the winner's
    # outcome (409 invalid_transition, or 412 with If-Match) instead of racing it.
    if subject.lock_first is not None:
        await subject.lock_first(session, obj_id)
    if session.get_bind().dialect.name == "postgresql":
        with lock_on_read(session, subject.model) as read_locked:  # lock and read: one statement
            obj = await subject.load(session, actor, obj_id)
        if not read_locked():  # a loader that does not read through get_visible
            await lock_row(session, subject.model, obj_id)
            await session.refresh(obj)  # as committed by whoever held the lock before us
    else:
        await lock_row(session, subject.model, obj_id)
        obj = await subject.load(session, actor, obj_id)
    check_version(obj, version)
    rule = subject.workflow.check(action, obj, actor)
    current: Any = obj
    step = Step(
        session,
        actor,
        obj,
        action,
        str(current.status),
        rule.next_state(obj),
        frozenset(s for s in (rule.target, *rule.outcomes) if s is not None),
    )
    changes = await subject.workflow.handler(action)(step, body)
    if changes is None:
        return obj  # nothing changed: no event, no new version
    current.status = step.to_status
    record_event(
        session,
        actor=actor,
        object_type=current.object_type,
        obj=obj,
        action=action,
        from_status=step.from_status,
        to_status=step.to_status,
        changes=changes,
    )
    return obj
