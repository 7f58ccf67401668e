"""The callback-visit workflow (SPEC §4.6) as data."""

from typing import Any

from app.db.models import Role, User, VisitAction
from app.db.models import VisitStatus as S
from app.domain.workflow import Action, Label, Workflow, by_name, register

OFFICE = frozenset({Role.clerk, Role.supervisor})
ENGINEER = frozenset({Role.engineer})
CUSTOMER = frozenset({Role.customer})


def _visitor_if_engineer(visit: Any, user: User) -> bool:
    return user.role != Role.engineer or visit.visitor_id == user.id


def _waiting_for_follow_up(visit: Any, _: User) -> bool:
    return bool(visit.needs_follow_up)


VISIT = register(
    Workflow(
        name="visit",
        initial=S.planned,
        action_names=VisitAction,
        states={
            S.planned: Label("Planned", "待回访"),
            S.completed: Label("Completed", "已回访"),
            S.unreachable: Label("Unreachable", "未联系上"),
            S.cancelled: Label("Cancelled", "已取消"),
        },
        groups={
            # Still to be done: what plan-batch and the survey on close look at, and the list
            # of a visitor's work.
            "open": frozenset({S.planned, S.unreachable}),
        },
        actions=by_name(
            Action(
                "record",
                frozenset({S.planned}),
                S.completed,
                OFFICE | ENGINEER | CUSTOMER,
                Label("Record callback", "记录回访"),
                guard=_visitor_if_engineer,
                outcomes=(S.unreachable,),
                guard_description="engineers only as the visitor; customers only their own "
                "online survey; reached → completed, not reached → unreachable",
            ),
            Action(
                "reschedule",
                frozenset({S.unreachable}),
                S.planned,
                OFFICE | ENGINEER,
                Label("Reschedule", "改约"),
                guard=_visitor_if_engineer,
                guard_description="engineers only as the visitor",
            ),
            Action(
                "cancel",
                frozenset({S.planned, S.unreachable}),
                S.cancelled,
                OFFICE,
                Label("Cancel", "取消"),
            ),
            Action(
                "follow_up",
                frozenset({S.completed}),
                None,
                OFFICE,
                Label("Record follow-up", "记录跟进"),
                guard=_waiting_for_follow_up,
                guard_description="only a detractor answer that waits for its follow-up",
            ),
        ),
    )
)
