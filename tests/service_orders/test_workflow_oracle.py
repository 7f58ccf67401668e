"""The service-order workflow (SPEC §4.1) checked against its hand-written oracle.

The grid is written from the SPEC's table, not read from app/domain/service_orders/workflow.py:
if the two disagree, one of them is wrong. The objects are remote orders of users["customer"]'s
company, assigned to users["engineer"] (so "engineer" is the assignee); `cancelled` is reached
from `assigned`, so the engineer still sees it. Role first (403), then state (409), then the
action's own condition (403: a customer cancels only while new). Engineers do not see an
unassigned order at all (404).
"""

from collections.abc import Mapping
from typing import Any

from app.domain.service_orders.workflow import SERVICE_ORDER
from tests.harness import Oracle, Recipe, Step, workflow_checks
from tests.service_orders.desk import default_body
from tests.service_orders.helpers import API, order_body
from tests.support import Factory

ORACLE = Oracle.parse(
    """
    action   role      new  assigned  in_progress  on_hold  reported  confirmed  closed  cancelled
    assign   office    200  200       200          200      409       409        409     409
    assign   engineer  404  403       403          403      403       403        403     403
    assign   customer  403  403       403          403      403       403        403     403
    start    office    403  403       403          403      403       403        403     403
    start    engineer  404  200       409          409      409       409        409     409
    start    customer  403  403       403          403      403       403        403     403
    hold     office    409  200       200          409      409       409        409     409
    hold     engineer  404  200       200          409      409       409        409     409
    hold     customer  403  403       403          403      403       403        403     403
    resume   office    409  409       409          200      409       409        409     409
    resume   engineer  404  409       409          200      409       409        409     409
    resume   customer  403  403       403          403      403       403        403     403
    report   office    403  403       403          403      403       403        403     403
    report   engineer  404  409       200          409      409       409        409     409
    report   customer  403  403       403          403      403       403        403     403
    confirm  office    409  409       409          409      200       409        409     409
    confirm  engineer  404  403       403          403      403       403        403     403
    confirm  customer  409  409       409          409      200       409        409     409
    reopen   office    409  409       409          409      200       409        409     409
    reopen   engineer  404  403       403          403      403       403        403     403
    reopen   customer  409  409       409          409      200       409        409     409
    close    office    409  409       409          409      409       200        409     409
    close    engineer  404  403       403          403      403       403        403     403
    close    customer  403  403       403          403      403       403        403     403
    cancel   office    200  200       200          200      409       409        409     409
    cancel   engineer  404  403       403          403      403       403        403     403
    cancel   customer  200  403       403          403      409       409        409     409
    escalate office    200  200       200          200      200       200        409     409
    escalate engineer  404  200       200          200      200       200        409     409
    escalate customer  403  403       403          403      403       403        403     403
    """,
    targets={
        # re-assigning keeps the state
        "assign": {
            "new": "assigned",
            "assigned": "assigned",
            "in_progress": "in_progress",
            "on_hold": "on_hold",
        },
        "start": {"assigned": "in_progress"},
        "hold": {"assigned": "on_hold", "in_progress": "on_hold"},
        "resume": {"on_hold": "in_progress"},  # back to where it was held from
        "report": {"in_progress": "reported"},  # remote; on site see test_signoff.py
        "confirm": {"reported": "confirmed"},
        "reopen": {"reported": "in_progress"},
        "close": {"confirmed": "closed"},
        "cancel": {s: "cancelled" for s in ("new", "assigned", "in_progress", "on_hold")},
        # proposes a difficult case; the order keeps its state
        "escalate": {
            s: s for s in ("new", "assigned", "in_progress", "on_hold", "reported", "confirmed")
        },
    },
    aliases={"office": ("clerk", "supervisor")},
)

_ASSIGN = Step("assign", "clerk")
_START = Step("start", "engineer")
_REPORT = Step("report", "engineer")


async def _outsiders(factory: Factory) -> Mapping[str, Any]:
    return {
        "another company's customer": await factory.user("customer"),
        "an engineer it is not assigned to": await factory.user("engineer"),
    }


async def _cast(factory: Factory) -> Mapping[str, Any]:
    return {"other engineer": await factory.user("engineer")}


def _valid_body(action: str, order: dict[str, Any], users: Mapping[str, Any]) -> Any:
    # Re-assigning to the same engineer changes nothing (no event, no version), so a re-assign
    # names another one.
    engineer = users["engineer" if order["assignee_id"] is None else "other engineer"]
    return default_body(action, order["kind"], engineer)


RECIPE = Recipe(
    base=API,
    create_body=lambda users: order_body(users["customer"].customer_id),
    creator="clerk",
    paths={
        "new": (),
        "assigned": (_ASSIGN,),
        "in_progress": (_ASSIGN, _START),
        "on_hold": (_ASSIGN, _START, Step("hold", "engineer")),
        "reported": (_ASSIGN, _START, _REPORT),
        "confirmed": (_ASSIGN, _START, _REPORT, Step("confirm", "clerk")),
        "closed": (_ASSIGN, _START, _REPORT, Step("confirm", "clerk"), Step("close", "clerk")),
        "cancelled": (_ASSIGN, Step("cancel", "clerk")),
    },
    body=_valid_body,
    outsiders=_outsiders,
    cast=_cast,
    answers_elsewhere={"escalate": 201},
)

TestServiceOrderWorkflow = workflow_checks(ORACLE, RECIPE, SERVICE_ORDER)
