"""The difficult-case workflow (SPEC §4.4) as data."""

from typing import Any

from app.db.models import CaseAction, Role, User
from app.db.models import CaseStatus as S
from app.domain.workflow import Action, Label, Workflow, by_name, register

OFFICE = frozenset({Role.clerk, Role.supervisor})
STAFF = frozenset({Role.engineer, Role.clerk, Role.supervisor})


def handler_or_supervisor(case: Any, user: User) -> bool:
    return user.role == Role.supervisor or (
        case.handler_id is not None and case.handler_id == user.id
    )


CASE = register(
    Workflow(
        name="case",
        initial=S.proposed,
        action_names=CaseAction,
        states={
            S.proposed: Label("Proposed", "待确认"),
            S.open: Label("Open", "已立案"),
            S.in_progress: Label("In progress", "处理中"),
            S.resolved: Label("Resolved", "已解决"),
            S.archived: Label("Archived", "已归档"),
            S.rejected: Label("Rejected", "已驳回"),
        },
        groups={
            # A case still being worked: an order cannot be escalated into a second one.
            "active": frozenset({S.proposed, S.open, S.in_progress}),
        },
        actions=by_name(
            Action(
                "confirm",
                frozenset({S.proposed}),
                S.open,
                frozenset({Role.supervisor}),
                Label("Confirm case", "确认立案"),
            ),
            Action(
                "reject",
                frozenset({S.proposed}),
                S.rejected,
                frozenset({Role.supervisor}),
                Label("Reject", "驳回"),
            ),
            Action(
                "assign",
                frozenset({S.open}),
                S.in_progress,
                OFFICE,
                Label("Assign handler", "指派处理人"),
            ),
            Action(
                "escalate",
                frozenset({S.in_progress}),
                None,
                STAFF,
                Label("Escalate", "升级"),
                guard=handler_or_supervisor,
                guard_description="the handler or a supervisor; to a user of higher authority",
            ),
            Action(
                "resolve",
                frozenset({S.in_progress}),
                S.resolved,
                STAFF,
                Label("Resolve", "解决"),
                guard=handler_or_supervisor,
                guard_description="the handler or a supervisor",
            ),
            Action(
                "archive",
                frozenset({S.resolved}),
                S.archived,
                OFFICE,
                Label("Archive", "归档"),
            ),
        ),
    )
)
