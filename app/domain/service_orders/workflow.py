"""The service-order workflow (SPEC §4.1) as data."""

from typing import Any

from app.db.models import OrderKind, Role, ServiceOrderAction, User
from app.db.models import ServiceOrderStatus as S
from app.domain.workflow import (
    Action,
    Label,
    Workflow,
    assignee_if_engineer,
    assignee_only,
    by_name,
    register,
)

OFFICE = frozenset({Role.clerk, Role.supervisor})
ENGINEER = frozenset({Role.engineer})


def _customer_only_while_new(order: Any, user: User) -> bool:
    return user.role != Role.customer or order.status == S.new


def _report_target(order: Any) -> str:
    # On site, the customer's signature on the service record is the confirmation.
    return S.confirmed if order.kind == OrderKind.onsite else S.reported


def _assign_target(order: Any) -> str:
    return S.assigned if order.status == S.new else str(order.status)


def _resume_target(order: Any) -> str:
    return str(order.held_from or S.assigned)


SERVICE_ORDER = register(
    Workflow(
        name="service_order",
        initial=S.new,
        action_names=ServiceOrderAction,
        states={
            S.new: Label("New", "新建"),
            S.assigned: Label("Assigned", "已派工"),
            S.in_progress: Label("In progress", "处理中"),
            S.on_hold: Label("On hold", "暂停"),
            S.reported: Label("Reported", "已汇报"),
            S.confirmed: Label("Confirmed", "已确认"),
            S.closed: Label("Closed", "已关闭"),
            S.cancelled: Label("Cancelled", "已取消"),
        },
        groups={
            "open": frozenset(
                {S.new, S.assigned, S.in_progress, S.on_hold, S.reported, S.confirmed}
            ),
            # The resolve clock runs (or is paused by a hold).
            "active": frozenset({S.new, S.assigned, S.in_progress, S.on_hold}),
            # The clock runs and nothing stops it: what the SLA watcher scans.
            "running": frozenset({S.new, S.assigned, S.in_progress}),
            # Details and the appointment may still be edited.
            "editable": frozenset({S.new, S.assigned, S.in_progress, S.on_hold, S.reported}),
            # The SLA figures still move (until the customer confirms).
            "clocked": frozenset({S.new, S.assigned, S.in_progress, S.on_hold, S.reported}),
            # The engineer's appointment is taken.
            "booked": frozenset({S.assigned, S.in_progress, S.on_hold}),
            # On an engineer's "my work" list.
            "engineer_work": frozenset({S.assigned, S.in_progress, S.on_hold, S.reported}),
            # Waiting for the office (to assign, to confirm with the customer, to close): on the
            # owner's "my work" list (首问负责).
            "office_waiting": frozenset({S.new, S.reported, S.confirmed}),
        },
        actions=by_name(
            Action(
                "assign",
                frozenset({S.new, S.assigned, S.in_progress, S.on_hold}),
                S.assigned,
                OFFICE,
                Label("Assign engineer", "派工"),
                pick=_assign_target,
                guard_description="from new → assigned; re-assigning keeps the state",
            ),
            Action(
                "start",
                frozenset({S.assigned}),
                S.in_progress,
                ENGINEER,
                Label("Start work", "开始处理"),
                guard=assignee_only,
                guard_description="the assignee only",
            ),
            Action(
                "hold",
                frozenset({S.assigned, S.in_progress}),
                S.on_hold,
                ENGINEER | OFFICE,
                Label("Put on hold", "暂停"),
                guard=assignee_if_engineer,
                guard_description="engineers only on their own orders; the SLA clock stops",
            ),
            Action(
                "resume",
                frozenset({S.on_hold}),
                S.in_progress,
                ENGINEER | OFFICE,
                Label("Resume", "恢复"),
                guard=assignee_if_engineer,
                pick=_resume_target,
                outcomes=(S.assigned,),
                guard_description="back to the state it was held from",
            ),
            Action(
                "report",
                frozenset({S.in_progress}),
                S.reported,
                ENGINEER,
                Label("Report result", "汇报结果"),
                guard=assignee_only,
                pick=_report_target,
                outcomes=(S.confirmed,),
                guard_description="the assignee only; remote → reported, on-site (with "
                "the customer's signature) → confirmed",
            ),
            Action(
                "confirm",
                frozenset({S.reported}),
                S.confirmed,
                OFFICE | {Role.customer},
                Label("Confirm completion", "确认完成"),
            ),
            Action(
                "reopen",
                frozenset({S.reported}),
                S.in_progress,
                OFFICE | {Role.customer},
                Label("Reopen", "重新打开"),
            ),
            Action(
                "close",
                frozenset({S.confirmed}),
                S.closed,
                OFFICE,
                Label("Close", "关闭"),
            ),
            Action(
                "cancel",
                frozenset({S.new, S.assigned, S.on_hold, S.in_progress}),
                S.cancelled,
                OFFICE | {Role.customer},
                Label("Cancel", "取消"),
                guard=_customer_only_while_new,
                guard_description="customers only while the order is new",
            ),
            Action(
                "escalate",
                frozenset({S.new, S.assigned, S.in_progress, S.on_hold, S.reported, S.confirmed}),
                None,
                ENGINEER | OFFICE,
                Label("Escalate to a difficult case", "升级为疑难案件"),
                guard=assignee_if_engineer,
                guard_description="office, or the assignee; proposes a difficult case, the "
                "order keeps its state",
            ),
        ),
    )
)
