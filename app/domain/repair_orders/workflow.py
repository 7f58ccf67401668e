"""The repair-order workflow (SPEC §4.2) as data.

The rule the department cares most about is in the table itself: `deliver` starts only from
`ready`, and `ready` is reached only by a passed `reinspect` from `reinspection` — which every
repair (`finish_repair`), every vendor return and every `return_unrepaired` leads into. A failed
re-inspection goes back to `repairing`. tests/repair_orders/test_workflow_table.py walks every
path of the table to prove that nothing reaches `delivered` another way.
"""

from typing import Any

from app.db.models import Role
from app.db.models.repairs import RepairOrderAction, RepairRoute
from app.db.models.repairs import RepairOrderStatus as S
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
OPEN = frozenset(
    {
        S.received,
        S.assigned,
        S.diagnosed,
        S.repairing,
        S.external,
        S.reinspection,
        S.ready,
        S.delivered,
        S.confirmed,
    }
)


def _in_house(order: Any, _: Any) -> bool:
    return bool(order.route == RepairRoute.in_house)


def _assignee_in_house(order: Any, user: Any) -> bool:
    return _in_house(order, user) and assignee_only(order, user)


def _assign_target(order: Any) -> str:
    return S.assigned if order.status == S.received else str(order.status)


REPAIR_ORDER = Workflow(
    name="repair_order",
    initial=S.received,
    action_names=RepairOrderAction,
    states={
        S.received: Label("Received", "已接收"),
        S.assigned: Label("Assigned", "已派工"),
        S.diagnosed: Label("Diagnosed", "已诊断"),
        S.repairing: Label("Repairing", "维修中"),
        S.external: Label("At an outside station", "外修中"),
        S.reinspection: Label("Awaiting re-inspection", "待复检"),
        S.ready: Label("Ready to return", "待交付"),
        S.delivered: Label("Delivered", "已交付"),
        S.confirmed: Label("Confirmed", "已确认"),
        S.closed: Label("Closed", "已关闭"),
        S.cancelled: Label("Cancelled", "已取消"),
    },
    groups={
        "open": OPEN,
        # The device is in the department's hands or at a vendor.
        "in_custody": frozenset(
            {S.received, S.assigned, S.diagnosed, S.repairing, S.external, S.reinspection, S.ready}
        ),
        # On an engineer's "my work" list.
        "engineer_work": frozenset({S.assigned, S.diagnosed, S.repairing, S.reinspection}),
        # Waiting for the office: to assign, to hand back, to confirm, to close.
        "office_waiting": frozenset({S.received, S.ready, S.delivered, S.confirmed}),
        # An external repair attempt may be planned.
        "may_go_external": frozenset({S.diagnosed, S.repairing, S.external}),
        # Parts may be recorded as used (the warranty is decided by then).
        "takes_parts": frozenset({S.diagnosed, S.repairing, S.external, S.reinspection}),
        # The repair process record (产品维修过程记录) may be written.
        "in_work": frozenset({S.assigned, S.diagnosed, S.repairing, S.external, S.reinspection}),
        # The warranty decision may be overridden (decided, not yet delivered).
        "warranty_open": frozenset({S.diagnosed, S.repairing, S.external, S.reinspection, S.ready}),
        # Past its due time while still in the department's hands (?overdue=true).
        "running": frozenset(
            {S.received, S.assigned, S.diagnosed, S.repairing, S.external, S.reinspection, S.ready}
        ),
    },
    actions=by_name(
        Action(
            "assign",
            frozenset({S.received, S.assigned, S.diagnosed, S.repairing}),
            S.assigned,
            OFFICE,
            Label("Assign engineer", "派工"),
            pick=_assign_target,
            guard_description="from received → assigned; re-assigning keeps the state",
        ),
        Action(
            "diagnose",
            frozenset({S.assigned}),
            S.diagnosed,
            ENGINEER,
            Label("Diagnose", "诊断"),
            guard=assignee_only,
            guard_description="the assignee only; the warranty is decided on the server",
        ),
        Action(
            "start_repair",
            frozenset({S.diagnosed}),
            S.repairing,
            ENGINEER,
            Label("Start repair", "开始维修"),
            guard=_assignee_in_house,
            guard_description="the assignee, for an in-house route",
        ),
        Action(
            "send_out",
            frozenset({S.diagnosed, S.repairing}),
            S.external,
            OFFICE,
            Label("Send to an outside station", "对外送修"),
            guard_description="plans the first external repair attempt",
        ),
        Action(
            "finish_repair",
            frozenset({S.repairing}),
            S.reinspection,
            ENGINEER,
            Label("Finish repair", "完成维修"),
            guard=assignee_only,
            guard_description="the assignee only; re-inspection follows",
        ),
        Action(
            "reinspect",
            frozenset({S.reinspection}),
            S.ready,
            ENGINEER,
            Label("Re-inspect", "复检"),
            outcomes=(S.repairing,),  # the handler chooses it for a failed re-inspection
            guard_description="pass → ready, fail → repairing",
        ),
        Action(
            "return_unrepaired",
            frozenset({S.external}),
            S.reinspection,
            OFFICE,
            Label("Return unrepaired", "未修复返还"),
            guard_description="no station could repair it; re-inspected before it goes back",
        ),
        Action(
            "deliver",
            frozenset({S.ready}),
            S.delivered,
            OFFICE,
            Label("Deliver", "交付"),
            guard_description="only after a passed re-inspection",
        ),
        Action(
            "confirm",
            frozenset({S.delivered}),
            S.confirmed,
            OFFICE | {Role.customer},
            Label("Confirm receipt", "确认收货"),
        ),
        Action(
            "close",
            frozenset({S.confirmed}),
            S.closed,
            OFFICE,
            Label("Close", "关闭"),
            guard_description="needs the repair summary",
        ),
        Action(
            "cancel",
            frozenset({S.received, S.assigned, S.diagnosed}),
            S.cancelled,
            OFFICE,
            Label("Cancel", "取消"),
        ),
        Action(
            "escalate",
            OPEN,
            None,
            OFFICE | ENGINEER,
            Label("Escalate as a difficult case", "升级为疑难案件"),
            guard=assignee_if_engineer,
            guard_description="office or the assignee; proposes a difficult case",
        ),
    ),
)
register(REPAIR_ORDER)

# Moves the repair order makes when one of its external repair attempts changes (SPEC §4.3):
# not actions of this table (nobody calls them on the repair order), but the same states.
VENDOR_RETURNED_REPAIRED = (S.external, S.reinspection)
