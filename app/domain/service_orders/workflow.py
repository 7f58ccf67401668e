"""The service-order workflow (SPEC §4.1) as data."""

from typing import Any

from app.db.models import OrderKind, Role, User
from app.domain.workflow import Action, Label, Workflow, register

OFFICE = frozenset({Role.clerk, Role.supervisor})
ENGINEER = frozenset({Role.engineer})

OPEN_STATES = frozenset({"new", "assigned", "in_progress", "on_hold", "reported", "confirmed"})
# States in which the resolve clock runs (or is paused by a hold).
ACTIVE_STATES = frozenset({"new", "assigned", "in_progress", "on_hold"})


def _is_assignee(order: Any, user: User) -> bool:
    return order.assignee_id is not None and order.assignee_id == user.id


def _assignee_if_engineer(order: Any, user: User) -> bool:
    return user.role != Role.engineer or _is_assignee(order, user)


def _customer_only_while_new(order: Any, user: User) -> bool:
    return user.role != Role.customer or order.status == "new"


def _report_target(order: Any) -> str:
    # On site, the customer's signature on the service record is the confirmation.
    return "confirmed" if order.kind == OrderKind.onsite else "reported"


def _assign_target(order: Any) -> str:
    return "assigned" if order.status == "new" else str(order.status)


def _resume_target(order: Any) -> str:
    return str(order.held_from or "assigned")


SERVICE_ORDER = register(
    Workflow(
        name="service_order",
        initial="new",
        states={
            "new": Label("New", "新建"),
            "assigned": Label("Assigned", "已派工"),
            "in_progress": Label("In progress", "处理中"),
            "on_hold": Label("On hold", "暂停"),
            "reported": Label("Reported", "已汇报"),
            "confirmed": Label("Confirmed", "已确认"),
            "closed": Label("Closed", "已关闭"),
            "cancelled": Label("Cancelled", "已取消"),
        },
        actions={
            a.name: a
            for a in (
                Action(
                    "assign",
                    frozenset({"new", "assigned", "in_progress", "on_hold"}),
                    "assigned",
                    OFFICE,
                    Label("Assign engineer", "派工"),
                    pick=_assign_target,
                    guard_description="from new → assigned; re-assigning keeps the state",
                ),
                Action(
                    "start",
                    frozenset({"assigned"}),
                    "in_progress",
                    ENGINEER,
                    Label("Start work", "开始处理"),
                    guard=_is_assignee,
                    guard_description="the assignee only",
                ),
                Action(
                    "hold",
                    frozenset({"assigned", "in_progress"}),
                    "on_hold",
                    ENGINEER | OFFICE,
                    Label("Put on hold", "暂停"),
                    guard=_assignee_if_engineer,
                    guard_description="engineers only on their own orders; the SLA clock stops",
                ),
                Action(
                    "resume",
                    frozenset({"on_hold"}),
                    "in_progress",
                    ENGINEER | OFFICE,
                    Label("Resume", "恢复"),
                    guard=_assignee_if_engineer,
                    pick=_resume_target,
                    outcomes=("assigned",),
                    guard_description="back to the state it was held from",
                ),
                Action(
                    "report",
                    frozenset({"in_progress"}),
                    "reported",
                    ENGINEER,
                    Label("Report result", "汇报结果"),
                    guard=_is_assignee,
                    pick=_report_target,
                    outcomes=("confirmed",),
                    guard_description="the assignee only; remote → reported, on-site (with "
                    "the customer's signature) → confirmed",
                ),
                Action(
                    "confirm",
                    frozenset({"reported"}),
                    "confirmed",
                    OFFICE | {Role.customer},
                    Label("Confirm completion", "确认完成"),
                ),
                Action(
                    "reopen",
                    frozenset({"reported"}),
                    "in_progress",
                    OFFICE | {Role.customer},
                    Label("Reopen", "重新打开"),
                ),
                Action(
                    "close",
                    frozenset({"confirmed"}),
                    "closed",
                    OFFICE,
                    Label("Close", "关闭"),
                ),
                Action(
                    "cancel",
                    frozenset({"new", "assigned", "on_hold", "in_progress"}),
                    "cancelled",
                    OFFICE | {Role.customer},
                    Label("Cancel", "取消"),
                    guard=_customer_only_while_new,
                    guard_description="customers only while the order is new",
                ),
            )
        },
    )
)
