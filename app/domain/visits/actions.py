"""The callback-visit actions (SPEC §4.6), registered on the workflow table. The runner
(app.domain.actions.perform) locks, loads, checks and writes the one event; each handler keeps
its own rules, reading other rows before it touches the visit (one UPDATE, one version)."""

import uuid
from typing import Any

from app.db.models import CallbackVisit, Customer, Role, VisitStatus
from app.db.models.complaints import ComplaintSource
from app.db.types import utcnow
from app.domain.actions import Step, Subject
from app.domain.complaints.service import register_complaint
from app.domain.errors import ValidationFailed
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.service import Message, notify, supervisor_ids
from app.domain.schemas import ReasonBody
from app.domain.visits.reads import SCORE_FIELDS, get_visit
from app.domain.visits.schemas import (
    CallbackResult,
    ComplaintAtCallback,
    FollowUpBody,
    RescheduleBody,
)
from app.domain.visits.service import first_orders, is_detractor
from app.domain.visits.workflow import VISIT

VISITS = Subject(VISIT, CallbackVisit, get_visit)
Changes = dict[str, Any] | None
Visit = Step[CallbackVisit]


async def _tell_supervisors(
    step: Visit, body: CallbackResult, scores: dict[str, int] | None
) -> None:
    session, visit, nps = step.session, step.obj, body.nps
    customer = await session.get(Customer, visit.customer_id)
    lowest = min(scores.values()) if scores else "-"
    notify(
        session,
        await supervisor_ids(session),
        Message(
            NotificationKind.visit_detractor,
            {
                "number": customer.name if customer else "-",
                "subject": f"NPS {'-' if nps is None else nps}, lowest score {lowest}/5"
                + (f": {body.feedback}" if body.feedback else ""),
            },
            CallbackVisit.object_type,
            visit.id,
        ),
    )


async def _register_complaint(step: Visit, data: ComplaintAtCallback) -> uuid.UUID:
    session, actor, visit = step.session, step.actor, step.obj
    complainant = data.complainant
    if complainant is None and actor.role == Role.customer:
        complainant = actor.name
    if complainant is None:
        customer = await session.get(Customer, visit.customer_id)
        complainant = customer.name if customer else "-"
    complaint = await register_complaint(
        session,
        actor,
        source=ComplaintSource.callback,
        customer_id=visit.customer_id,
        complainant=complainant,
        description=data.description,
        severity=data.severity,
        visit_id=visit.id,
        **await first_orders(session, visit.id),
    )
    return complaint.id


@VISIT.handles("record")
async def record(step: Visit, body: CallbackResult) -> Changes:
    visit, actor = step.obj, step.actor
    if actor.role == Role.customer and not body.reached:
        raise ValidationFailed([("reached", "answering the survey is being reached")])
    scores = body.scores.model_dump() if body.scores else None
    detractor = body.reached and is_detractor(scores, body.nps)
    if detractor:
        await _tell_supervisors(step, body, scores)
    complaint_id = await _register_complaint(step, body.complaint) if body.complaint else None
    visit.feedback = body.feedback
    visit.reached = body.reached
    visit.recorded_at = utcnow()
    visit.recorded_by_id = actor.id
    if not body.reached:
        visit.unreachable_count += 1
        step.choose(VisitStatus.unreachable)
        return {"reached": False, "feedback": body.feedback}
    for name in SCORE_FIELDS:
        setattr(visit, f"score_{name}", scores[name] if scores else None)
    visit.nps = body.nps
    # A complaint is the follow-up of a detractor answer: it is handled as a complaint.
    visit.needs_follow_up = detractor and complaint_id is None
    visit.complaint_id = complaint_id
    filed = {"complaint_id": complaint_id} if complaint_id else {}
    return {
        "reached": True,
        "feedback": body.feedback,
        "scores": scores,
        "nps": body.nps,
        "needs_follow_up": visit.needs_follow_up,
        **filed,
    }


@VISIT.handles("reschedule")
async def reschedule(step: Visit, body: RescheduleBody) -> Changes:
    previous = step.obj.planned_at
    step.obj.planned_at = body.planned_at
    return {"planned_at": [previous, body.planned_at]}


@VISIT.handles("cancel")
async def cancel(step: Visit, body: ReasonBody) -> Changes:
    step.obj.cancel_reason = body.reason
    return {"reason": body.reason}


@VISIT.handles("follow_up")
async def follow_up(step: Visit, body: FollowUpBody) -> Changes:
    visit = step.obj
    visit.follow_up = {"notes": body.notes, "at": utcnow().isoformat(), "by": str(step.actor.id)}
    visit.needs_follow_up = False
    return {"notes": body.notes, "needs_follow_up": False}
