"""The difficult-case actions (SPEC §4.4), registered on the workflow table; the runner
(app.domain.actions.perform) locks, loads, checks and writes the one event."""

import uuid
from typing import Any

from app.db.models import STAFF_ROLES, Case, User
from app.db.types import utcnow
from app.domain.actions import Step, Subject
from app.domain.cases.schemas import ArchiveBody, AssignCaseBody, CaseResolveBody, EscalateBody
from app.domain.cases.service import get_case
from app.domain.cases.workflow import CASE
from app.domain.errors import Conflict, ValidationFailed
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.service import Message, notify
from app.domain.schemas import EmptyBody, ReasonBody

CASES = Subject(CASE, Case, get_case)
Changes = dict[str, Any] | None
CaseStep = Step[Case]


async def _active_staff(session: Any, user_id: uuid.UUID, field: str) -> User:
    user = await session.get(User, user_id)
    if user is None or user.role not in STAFF_ROLES or not user.active:
        raise ValidationFailed([(field, "must be an active staff user")])
    return user


def _tell_handler(step: CaseStep, handler: User) -> None:
    case = step.obj
    notify(
        step.session,
        [handler.id],
        Message(
            NotificationKind.case_assigned,
            {"number": case.number, "subject": case.summary[:200]},
            Case.object_type,
            case.id,
        ),
    )


@CASE.handles("confirm")
async def confirm(step: CaseStep, _: EmptyBody | None) -> Changes:
    step.obj.reject_reason = None
    return {"confirmed_by": step.actor.id}


@CASE.handles("reject")
async def reject(step: CaseStep, body: ReasonBody) -> Changes:
    # 否定报备: a rejection always keeps its reason.
    step.obj.reject_reason = body.reason
    return {"reason": body.reason}


@CASE.handles("assign")
async def assign(step: CaseStep, body: AssignCaseBody) -> Changes:
    handler = await _active_staff(step.session, body.handler_id, "handler_id")
    step.obj.handler_id = handler.id
    _tell_handler(step, handler)
    return {"handler_id": [None, handler.id]}


@CASE.handles("escalate")
async def escalate(step: CaseStep, body: EscalateBody) -> Changes:
    """Pass the case up at once: the new handler must hold a higher authority than the
    current one (a refusal is 409: the request is well formed, the people do not fit)."""
    case = step.obj
    target = await _active_staff(step.session, body.to_user_id, "to_user_id")
    current = await step.session.get(User, case.handler_id) if case.handler_id else None
    floor = current.authority_level if current else 0
    if target.authority_level <= floor:
        raise Conflict(
            f"{target.name} has authority level {target.authority_level}; escalation needs a "
            f"level above {floor}",
            field="to_user_id",
        )
    case.level += 1
    entry = {
        "from": str(case.handler_id) if case.handler_id else None,
        "to": str(target.id),
        "by": str(step.actor.id),
        "at": utcnow().isoformat(),
        "reason": body.reason,
        "level": case.level,
    }
    # A new list, so the JSON column is seen as changed.
    case.escalations = [*case.escalations, entry]
    previous, case.handler_id = case.handler_id, target.id
    _tell_handler(step, target)
    return {"handler_id": [previous, target.id], "level": case.level, "reason": body.reason}


@CASE.handles("resolve")
async def resolve(step: CaseStep, body: CaseResolveBody) -> Changes:
    step.obj.solution = body.solution
    return {"solution": body.solution}


@CASE.handles("archive")
async def archive(step: CaseStep, body: ArchiveBody) -> Changes:
    step.obj.final_record = body.final_record
    return {"final_record": body.final_record}
