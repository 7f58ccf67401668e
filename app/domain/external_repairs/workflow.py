"""The external-repair workflow (SPEC §4.3), one object per attempt at one vendor, as data."""

from app.db.models import Role
from app.db.models.repairs import ExternalRepairAction
from app.db.models.repairs import ExternalRepairStatus as S
from app.domain.workflow import Action, Label, Workflow, by_name, register

OFFICE = frozenset({Role.clerk, Role.supervisor})


EXTERNAL_REPAIR = register(
    Workflow(
        name="external_repair",
        initial=S.planned,
        action_names=ExternalRepairAction,
        states={
            S.planned: Label("Planned", "计划送修"),
            S.contacted: Label("Station contacted", "已联系"),
            S.at_vendor: Label("At the station", "在外修站"),
            S.returned: Label("Returned repaired", "已修复返回"),
            S.unrepairable: Label("Returned unrepairable", "无法修复"),
            S.cancelled: Label("Cancelled", "已取消"),
        },
        groups={
            "open": frozenset({S.planned, S.contacted, S.at_vendor}),
            "failed": frozenset({S.unrepairable}),
        },
        actions=by_name(
            Action(
                "contact",
                frozenset({S.planned}),
                S.contacted,
                OFFICE,
                Label("Contact the station", "联系外修站"),
                guard_description="before anything is sent",
            ),
            Action(
                "send",
                frozenset({S.contacted}),
                S.at_vendor,
                OFFICE,
                Label("Send", "送出"),
                guard_description="needs the pickup receipt number (取机凭据)",
            ),
            Action(
                "follow_up",
                frozenset({S.at_vendor}),
                None,
                OFFICE,
                Label("Follow up", "跟催"),
                guard_description="logs a chase and moves the next follow-up date",
            ),
            Action(
                "receive",
                frozenset({S.at_vendor}),
                S.returned,
                OFFICE,
                Label("Receive back", "取回"),
                outcomes=(S.unrepairable,),  # the handler chooses it from the vendor's result
                guard_description="repaired → the repair order goes to re-inspection; "
                "unrepairable → another station or return unrepaired",
            ),
            Action(
                "cancel",
                frozenset({S.planned, S.contacted}),
                S.cancelled,
                OFFICE,
                Label("Cancel", "取消"),
            ),
        ),
    )
)
