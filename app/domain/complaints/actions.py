"""The complaint workflow actions (SPEC §4.5), registered on the workflow table. The runner
(app.domain.actions.perform) locks, loads, checks and writes the one event; each handler here
keeps only its own rules and returns the changed fields for the event."""

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.db.models import STAFF_ROLES, Role, User
from app.db.models.complaints import Complaint, ComplaintStatus
from app.db.types import utcnow
from app.domain.actions import Step, Subject
from app.domain.complaints.schemas import AnalyzeBody, AssessBody, ReportBackBody, ResolveBody
from app.domain.complaints.service import get_complaint
from app.domain.complaints.workflow import COMPLAINT
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.service import (
    Message,
    notify,
    notify_customer_users,
    supervisor_ids,
)
from app.domain.schemas import EmptyBody

COMPLAINTS = Subject(COMPLAINT, Complaint, get_complaint)
Changes = dict[str, Any] | None
Case = Step[Complaint]


def _message(complaint: Complaint, kind: NotificationKind, **params: str) -> Message:
    return Message(
        kind,
        {"number": complaint.number, "subject": complaint.description, **params},
        Complaint.object_type,
        complaint.id,
    )


@COMPLAINT.handles("assess")
async def assess(step: Case, body: AssessBody) -> Changes:
    session, actor, complaint = step.session, step.actor, step.obj
    reported_to: list[str] = []
    if not body.accepted:
        if actor.role != Role.supervisor:
            raise Forbidden("Only a supervisor rejects a complaint (否定报备)")
        if body.reason is None:
            raise ValidationFailed([("reason", "a rejection is recorded with its reason")])
        # 否定报备: the rejection is reported upward, to every supervisor.
        supervisors = await supervisor_ids(session)
        notify(
            session,
            supervisors,
            _message(
                complaint,
                NotificationKind.complaint_rejected,
                by=actor.name,
                complainant=complaint.complainant,
                reason=body.reason,
            ),
        )
        reported_to = [str(i) for i in supervisors]
        step.choose(ComplaintStatus.rejected)
    judgement = body.model_dump()
    complaint.assessment = {
        **judgement,
        "by": str(actor.id),
        "at": utcnow().isoformat(),
        "reported_to": reported_to,
    }
    complaint.accepted = body.accepted
    return judgement


async def _active_staff(session: Any, user_id: Any) -> User:
    handler = (await session.scalars(select(User).where(col(User.id) == user_id))).one_or_none()
    if handler is None or handler.role not in STAFF_ROLES or not handler.active:
        raise ValidationFailed([("handler_id", "must be an active staff member")])
    return handler


@COMPLAINT.handles("analyze")
async def analyze(step: Case, body: AnalyzeBody) -> Changes:
    session, complaint = step.session, step.obj
    handler = await _active_staff(session, body.handler_id)
    same = (complaint.handler_id, complaint.cause_analysis) == (handler.id, body.cause_analysis)
    if same and step.to_status == step.from_status:
        return None  # nothing new: no event, nobody notified twice
    if complaint.handler_id != handler.id:
        notify(
            session,
            [handler.id],
            _message(complaint, NotificationKind.complaint_assigned, cause=body.cause_analysis),
        )
    changes = {
        "handler_id": [complaint.handler_id, handler.id],
        "cause_analysis": body.cause_analysis,
    }
    complaint.handler_id = handler.id
    complaint.cause_analysis = body.cause_analysis
    return changes


@COMPLAINT.handles("resolve")
async def resolve(step: Case, body: ResolveBody) -> Changes:
    step.obj.actions_taken = body.actions_taken
    step.obj.resolved_at = utcnow()
    return {"actions_taken": body.actions_taken}


@COMPLAINT.handles("report_back")
async def report_back(step: Case, body: ReportBackBody) -> Changes:
    session, actor, complaint = step.session, step.actor, step.obj
    actions = complaint.actions_taken or "-"
    # The staff involved: who registered it and who handled it (not the one reporting back).
    involved = {complaint.owner_id, complaint.handler_id} - {None, actor.id}
    notify(
        session,
        sorted(i for i in involved if i is not None),
        _message(
            complaint, NotificationKind.complaint_feedback, feedback=body.to_staff, actions=actions
        ),
    )
    notify(
        session,
        [i for i in await supervisor_ids(session) if i != actor.id],
        _message(
            complaint,
            NotificationKind.complaint_feedback,
            feedback=body.to_supervisor,
            actions=actions,
        ),
    )
    if body.customer_notified:
        # Only what the customer may read of its own complaint: its words and what was done.
        await notify_customer_users(
            session,
            complaint.customer_id,
            _message(complaint, NotificationKind.complaint_reported, actions=actions),
        )
    complaint.feedback = {
        **body.model_dump(),
        "by": str(actor.id),
        "at": utcnow().isoformat(),
    }
    return body.model_dump()


@COMPLAINT.handles("close")
async def close(step: Case, _: EmptyBody | None) -> Changes:
    step.obj.closed_at = utcnow()
    return {"closed_at": step.obj.closed_at}
