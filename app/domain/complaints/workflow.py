"""The complaint workflow (SPEC §4.5, 客户投诉处理单) as data.

`assess` is one action with two outcomes, because the department judges a complaint once
(authentic? reasonable? accepted?): accepted → `accepted`, not accepted → `rejected`. Accepting is
the office's; rejecting is a supervisor's, with a reason, and is reported upward (否定报备) — the
handler enforces that, since the body decides which it is.
"""

from typing import Any

from app.db.models import Role, User
from app.db.models.complaints import ComplaintAction
from app.db.models.complaints import ComplaintStatus as S
from app.domain.workflow import Action, Label, Workflow, by_name, register

OFFICE = frozenset({Role.clerk, Role.supervisor})
ENGINEER = frozenset({Role.engineer})


def handler_if_engineer(complaint: Any, user: User) -> bool:
    return user.role != Role.engineer or (
        complaint.handler_id is not None and complaint.handler_id == user.id
    )


def _analyze_target(complaint: Any) -> str:
    return S.handling if complaint.status == S.accepted else str(complaint.status)


COMPLAINT = register(
    Workflow(
        name="complaint",
        initial=S.registered,
        action_names=ComplaintAction,
        states={
            S.registered: Label("Registered", "已登记"),
            S.accepted: Label("Accepted", "已受理"),
            S.rejected: Label("Rejected", "不予受理"),
            S.handling: Label("Being handled", "处理中"),
            S.resolved: Label("Resolved", "已处理"),
            S.reported: Label("Reported back", "已反馈"),
            S.closed: Label("Closed", "已结案"),
        },
        groups={
            "open": frozenset(
                {S.registered, S.accepted, S.rejected, S.handling, S.resolved, S.reported}
            ),
            # On the handler's "my work" list.
            "handler_work": frozenset({S.handling}),
        },
        actions=by_name(
            Action(
                "assess",
                frozenset({S.registered}),
                S.accepted,
                OFFICE,
                Label("Assess", "受理评估"),
                outcomes=(S.rejected,),
                guard_description="accepted → accepted; not accepted → rejected, by a "
                "supervisor only and with a reason, reported to every supervisor (否定报备)",
            ),
            Action(
                "analyze",
                frozenset({S.accepted, S.handling}),
                S.handling,
                OFFICE,
                Label("Analyse cause and assign handler", "原因分析"),
                pick=_analyze_target,
                guard_description="from accepted → handling; again while handling to revise "
                "the analysis or change the handler",
            ),
            Action(
                "resolve",
                frozenset({S.handling}),
                S.resolved,
                OFFICE | ENGINEER,
                Label("Record actions taken", "处理完成"),
                guard=handler_if_engineer,
                guard_description="engineers only as the complaint's handler",
            ),
            Action(
                "report_back",
                frozenset({S.resolved}),
                S.reported,
                OFFICE | ENGINEER,
                Label("Report back", "结果反馈"),
                guard=handler_if_engineer,
                guard_description="feedback to the staff involved and the supervisor; engineers "
                "only as the handler",
            ),
            Action(
                "close",
                frozenset({S.reported, S.rejected}),
                S.closed,
                OFFICE,
                Label("Close", "结案"),
            ),
        ),
    )
)
