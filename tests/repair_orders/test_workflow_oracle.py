"""The repair-order workflow (SPEC §4.2) checked against its hand-written oracle.

The grid is written from the SPEC's table, not read from app/domain/repair_orders/workflow.py.
The objects are repair orders of users["customer"]'s company, assigned to users["engineer"] (so
"engineer" is the assignee; an unassigned `received` order is invisible to engineers, 404);
`cancelled` is reached from `assigned`. Role first (403), then state (409), then the action's
own condition. `escalate` answers the proposed case (201); the order keeps its state.
"""

from collections.abc import Mapping
from typing import Any

from app.domain.repair_orders.workflow import REPAIR_ORDER
from tests.harness import Oracle, Recipe, Step, workflow_checks
from tests.repair_orders.helpers import API, PATHS, default_body, receive_body
from tests.support import Factory

STATES = (
    "received",
    "assigned",
    "diagnosed",
    "repairing",
    "external",
    "reinspection",
    "ready",
    "delivered",
    "confirmed",
    "closed",
    "cancelled",
)
# Columns in the order of STATES:
#                           rec asg dia rep ext rei rdy dlv cnf clo cnc
GRID = """
    assign            office    200 200 200 200 409 409 409 409 409 409 409
    assign            engineer  404 403 403 403 403 403 403 403 403 403 403
    assign            customer  403 403 403 403 403 403 403 403 403 403 403
    diagnose          office    403 403 403 403 403 403 403 403 403 403 403
    diagnose          engineer  404 200 409 409 409 409 409 409 409 409 409
    diagnose          customer  403 403 403 403 403 403 403 403 403 403 403
    start_repair      office    403 403 403 403 403 403 403 403 403 403 403
    start_repair      engineer  404 409 200 409 409 409 409 409 409 409 409
    start_repair      customer  403 403 403 403 403 403 403 403 403 403 403
    send_out          office    409 409 200 200 409 409 409 409 409 409 409
    send_out          engineer  404 403 403 403 403 403 403 403 403 403 403
    send_out          customer  403 403 403 403 403 403 403 403 403 403 403
    finish_repair     office    403 403 403 403 403 403 403 403 403 403 403
    finish_repair     engineer  404 409 409 200 409 409 409 409 409 409 409
    finish_repair     customer  403 403 403 403 403 403 403 403 403 403 403
    reinspect         office    403 403 403 403 403 403 403 403 403 403 403
    reinspect         engineer  404 409 409 409 409 200 409 409 409 409 409
    reinspect         customer  403 403 403 403 403 403 403 403 403 403 403
    return_unrepaired office    409 409 409 409 200 409 409 409 409 409 409
    return_unrepaired engineer  404 403 403 403 403 403 403 403 403 403 403
    return_unrepaired customer  403 403 403 403 403 403 403 403 403 403 403
    deliver           office    409 409 409 409 409 409 200 409 409 409 409
    deliver           engineer  404 403 403 403 403 403 403 403 403 403 403
    deliver           customer  403 403 403 403 403 403 403 403 403 403 403
    confirm           office    409 409 409 409 409 409 409 200 409 409 409
    confirm           engineer  404 403 403 403 403 403 403 403 403 403 403
    confirm           customer  409 409 409 409 409 409 409 200 409 409 409
    close             office    409 409 409 409 409 409 409 409 200 409 409
    close             engineer  404 403 403 403 403 403 403 403 403 403 403
    close             customer  403 403 403 403 403 403 403 403 403 403 403
    cancel            office    200 200 200 409 409 409 409 409 409 409 409
    cancel            engineer  404 403 403 403 403 403 403 403 403 403 403
    cancel            customer  403 403 403 403 403 403 403 403 403 403 403
    escalate          office    200 200 200 200 200 200 200 200 200 409 409
    escalate          engineer  404 200 200 200 200 200 200 200 200 409 409
    escalate          customer  403 403 403 403 403 403 403 403 403 403 403
"""

ORACLE = Oracle.parse(
    f"action role {' '.join(STATES)}\n{GRID}",
    targets={
        # re-assigning keeps the state
        "assign": {
            s: "assigned" if s == "received" else s
            for s in ("received", "assigned", "diagnosed", "repairing")
        },
        "diagnose": {"assigned": "diagnosed"},
        "start_repair": {"diagnosed": "repairing"},
        "send_out": {"diagnosed": "external", "repairing": "external"},
        "finish_repair": {"repairing": "reinspection"},
        "reinspect": {"reinspection": "ready"},  # a pass; a fail → repairing (test_flows.py)
        "return_unrepaired": {"external": "reinspection"},
        "deliver": {"ready": "delivered"},
        "confirm": {"delivered": "confirmed"},
        "close": {"confirmed": "closed"},
        "cancel": {s: "cancelled" for s in ("received", "assigned", "diagnosed")},
        "escalate": {s: s for s in STATES if s not in ("closed", "cancelled")},
    },
    aliases={"office": ("clerk", "supervisor")},
)


async def _outsiders(factory: Factory) -> Mapping[str, Any]:
    return {
        "another company's customer": await factory.user("customer"),
        "an engineer it is not assigned to": await factory.user("engineer"),
    }


async def _cast(factory: Factory) -> Mapping[str, Any]:
    return {"other engineer": await factory.user("engineer"), "vendor": await factory.vendor()}


def _valid_body(action: str, order: dict[str, Any], users: Mapping[str, Any]) -> Any:
    if action == "assign" and order["assignee_id"] is not None:
        # the same engineer again changes nothing (no event, no version): name another one
        return {"assignee_id": str(users["other engineer"].id)}
    return default_body(action, users)


RECIPE = Recipe(
    base=API,
    create_body=lambda users: receive_body(users["customer"].customer_id),
    creator="clerk",
    paths={state: tuple(Step(a, who) for a, who in steps) for state, steps in PATHS.items()},
    body=_valid_body,
    outsiders=_outsiders,
    cast=_cast,
    answers_elsewhere={"escalate": 201},
)


TestRepairOrderWorkflow = workflow_checks(ORACLE, RECIPE, REPAIR_ORDER)
