"""The callback-visit workflow (SPEC §4.6) checked against its hand-written oracle.

The objects are online surveys of users["customer"]'s company with users["engineer"] as the
visitor, so every role sees them: the customer answers its own survey, the engineer records
the visits they make. A completed visit is reached with a detractor answer, so it waits for a
follow-up; `unreachable` is reached by recording that nobody answered. Role first (403), then
state (409), then the action's own condition.
"""

from collections.abc import Mapping
from typing import Any

from app.domain.visits.workflow import VISIT
from tests.harness import Oracle, Recipe, Step, workflow_checks
from tests.support import Factory
from tests.visits.helpers import API, DETRACTOR, NOT_REACHED, later, plan_body

ORACLE = Oracle.parse(
    """
    action      role      planned  completed  unreachable  cancelled
    record      office    200      409        409          409
    record      engineer  200      409        409          409
    record      customer  200      409        409          409
    reschedule  office    409      409        200          409
    reschedule  engineer  409      409        200          409
    reschedule  customer  403      403        403          403
    cancel      office    200      409        200          409
    cancel      engineer  403      403        403          403
    cancel      customer  403      403        403          403
    follow_up   office    409      200        409          409
    follow_up   engineer  403      403        403          403
    follow_up   customer  403      403        403          403
    """,
    targets={
        "record": {"planned": "completed"},  # reached; not reached → unreachable
        "reschedule": {"unreachable": "planned"},
        "cancel": {"planned": "cancelled", "unreachable": "cancelled"},
        "follow_up": {"completed": "completed"},
    },
    aliases={"office": ("clerk", "supervisor")},
)


async def _outsiders(factory: Factory) -> Mapping[str, Any]:
    return {
        "another company's customer": await factory.user("customer"),
        "an engineer who is not the visitor": await factory.user("engineer"),
    }


def _valid_body(action: str, visit: dict[str, Any], users: Mapping[str, Any]) -> Any:
    return {
        "record": DETRACTOR,
        "reschedule": {"planned_at": later(48)},
        "cancel": {"reason": "customer asked not to be called"},
        "follow_up": {"notes": "Called back, sent an engineer"},
    }[action]


RECIPE = Recipe(
    base=API,
    create_body=lambda users: plan_body(
        users["customer"].customer_id, "online_survey", visitor_id=str(users["engineer"].id)
    ),
    creator="clerk",
    paths={
        "planned": (),
        "completed": (Step("record", "clerk"),),
        "unreachable": (Step("record", "clerk", NOT_REACHED),),
        "cancelled": (Step("cancel", "clerk"),),
    },
    body=_valid_body,
    outsiders=_outsiders,
)

TestVisitWorkflow = workflow_checks(ORACLE, RECIPE, VISIT)
