"""The difficult-case workflow (SPEC §4.4) checked against its hand-written oracle.

Written from the SPEC, not read from app/domain/cases/workflow.py. The objects are standalone
cases proposed by the clerk; `assign` gives them to users["engineer"], who is then the handler.
Engineers see only cases they handle or proposed (404 before), customers never see a case (404
everywhere, the list included). Role first (403), then state (409), then the action's own rule
(403: only the handler or a supervisor escalates and resolves). `chief` is a supervisor with
authority level 3, the escalation target.
"""

from collections.abc import Mapping
from typing import Any

from app.domain.cases.workflow import CASE
from tests.cases.helpers import API, case_body, default_body
from tests.harness import Oracle, Recipe, Step, workflow_checks
from tests.support import Factory

ORACLE = Oracle.parse(
    """
    action    role        proposed  open  in_progress  resolved  archived  rejected
    confirm   supervisor  200       409   409          409       409       409
    confirm   clerk       403       403   403          403       403       403
    confirm   engineer    404       404   403          403       403       404
    confirm   customer    404       404   404          404       404       404
    reject    supervisor  200       409   409          409       409       409
    reject    clerk       403       403   403          403       403       403
    reject    engineer    404       404   403          403       403       404
    reject    customer    404       404   404          404       404       404
    assign    office      409       200   409          409       409       409
    assign    engineer    404       404   403          403       403       404
    assign    customer    404       404   404          404       404       404
    escalate  supervisor  409       409   200          409       409       409
    escalate  clerk       409       409   403          409       409       409
    escalate  engineer    404       404   200          409       409       404
    escalate  customer    404       404   404          404       404       404
    resolve   supervisor  409       409   200          409       409       409
    resolve   clerk       409       409   403          409       409       409
    resolve   engineer    404       404   200          409       409       404
    resolve   customer    404       404   404          404       404       404
    archive   office      409       409   409          200       409       409
    archive   engineer    404       404   403          403       403       404
    archive   customer    404       404   404          404       404       404
    """,
    targets={
        "confirm": {"proposed": "open"},
        "reject": {"proposed": "rejected"},
        "assign": {"open": "in_progress"},
        "escalate": {"in_progress": "in_progress"},
        "resolve": {"in_progress": "resolved"},
        "archive": {"resolved": "archived"},
    },
    aliases={"office": ("clerk", "supervisor")},
)

_CONFIRM = Step("confirm", "supervisor")
_ASSIGN = Step("assign", "clerk")
_RESOLVE = Step("resolve", "engineer")


async def _outsiders(factory: Factory) -> Mapping[str, Any]:
    return {
        "a customer": await factory.user("customer"),
        "an engineer who neither handles nor proposed it": await factory.user("engineer"),
    }


async def _cast(factory: Factory) -> Mapping[str, Any]:
    return {"chief": await factory.user("supervisor", name="Service director", authority_level=3)}


RECIPE = Recipe(
    base=API,
    create_body=lambda users: case_body(),
    creator="clerk",
    paths={
        "proposed": (),
        "open": (_CONFIRM,),
        "in_progress": (_CONFIRM, _ASSIGN),
        "resolved": (_CONFIRM, _ASSIGN, _RESOLVE),
        "archived": (_CONFIRM, _ASSIGN, _RESOLVE, Step("archive", "clerk")),
        "rejected": (Step("reject", "supervisor"),),
    },
    body=lambda action, case, users: default_body(action, users, case),
    outsiders=_outsiders,
    cast=_cast,
    list_hidden_from=frozenset({"customer"}),
)

TestCaseWorkflow = workflow_checks(ORACLE, RECIPE, CASE)
