"""The complaint workflow (SPEC §4.5) checked against its hand-written oracle.

The grid is written from the SPEC, not read from app/domain/complaints/workflow.py. The objects
are complaints of users["customer"]'s company handled by users["engineer"] (named by `analyze`);
`closed` is reached through handling, so the engineer still sees it. Role first (403), then state
(409). Engineers see only the complaints they handle (404 before a handler is named, and for the
rejected ones). `assess` here accepts; rejecting (supervisors only) is in test_flows.py.
"""

from collections.abc import Mapping
from typing import Any

from app.domain.complaints.workflow import COMPLAINT
from tests.complaints.helpers import API, REJECT, action_body, complaint_body
from tests.harness import Oracle, Recipe, Step, workflow_checks
from tests.support import Factory

ORACLE = Oracle.parse(
    """
    action       role      registered  accepted  rejected  handling  resolved  reported  closed
    assess       office    200         409       409       409       409       409       409
    assess       engineer  404         404       404       403       403       403       403
    assess       customer  403         403       403       403       403       403       403
    analyze      office    409         200       409       200       409       409       409
    analyze      engineer  404         404       404       403       403       403       403
    analyze      customer  403         403       403       403       403       403       403
    resolve      office    409         409       409       200       409       409       409
    resolve      engineer  404         404       404       200       409       409       409
    resolve      customer  403         403       403       403       403       403       403
    report_back  office    409         409       409       409       200       409       409
    report_back  engineer  404         404       404       409       200       409       409
    report_back  customer  403         403       403       403       403       403       403
    close        office    409         409       200       409       409       200       409
    close        engineer  404         404       404       403       403       403       403
    close        customer  403         403       403       403       403       403       403
    """,
    targets={
        "assess": {"registered": "accepted"},
        # again while handling: a revised analysis or another handler, same state
        "analyze": {"accepted": "handling", "handling": "handling"},
        "resolve": {"handling": "resolved"},
        "report_back": {"resolved": "reported"},
        "close": {"rejected": "closed", "reported": "closed"},
    },
    aliases={"office": ("clerk", "supervisor")},
)

_ACCEPT = Step("assess", "clerk")
_ANALYZE = Step("analyze", "clerk")
_RESOLVE = Step("resolve", "engineer")
_REPORT = Step("report_back", "clerk")


async def _outsiders(factory: Factory) -> Mapping[str, Any]:
    return {
        "another company's customer": await factory.user("customer"),
        "an engineer who does not handle it": await factory.user("engineer"),
    }


async def _cast(factory: Factory) -> Mapping[str, Any]:
    return {"other engineer": await factory.user("engineer")}


def _valid_body(action: str, complaint: dict[str, Any], users: Mapping[str, Any]) -> Any:
    # Naming the same handler with the same analysis changes nothing (no event, no version), so
    # a second analysis names another handler.
    handled = complaint.get("handler_id") is not None
    return action_body(action, users["other engineer" if handled else "engineer"])


RECIPE = Recipe(
    base=API,
    create_body=lambda users: complaint_body(users["customer"].customer_id),
    creator="clerk",
    paths={
        "registered": (),
        "accepted": (_ACCEPT,),
        "rejected": (Step("assess", "supervisor", REJECT),),
        "handling": (_ACCEPT, _ANALYZE),
        "resolved": (_ACCEPT, _ANALYZE, _RESOLVE),
        "reported": (_ACCEPT, _ANALYZE, _RESOLVE, _REPORT),
        "closed": (_ACCEPT, _ANALYZE, _RESOLVE, _REPORT, Step("close", "clerk")),
    },
    body=_valid_body,
    outsiders=_outsiders,
    cast=_cast,
)

TestComplaintWorkflow = workflow_checks(ORACLE, RECIPE, COMPLAINT)
