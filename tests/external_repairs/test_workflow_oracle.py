"""The external-repair workflow (SPEC §4.3) checked against its hand-written oracle.

Written from the SPEC's table, not read from app/domain/external_repairs/workflow.py. The objects
are attempts for repair orders assigned to users["engineer"], who may read them but never act
(403); customers never see external repairs at all (404, the list included); the office does
every action.
"""

from collections.abc import Mapping
from typing import Any

from app.domain.external_repairs.workflow import EXTERNAL_REPAIR
from tests.external_repairs.helpers import API, CONTACT, RECEIVE, repair_order, send_body
from tests.harness import Oracle, Recipe, Step, workflow_checks
from tests.support import Factory

ORACLE = Oracle.parse(
    """
    action     role      planned  contacted  at_vendor  returned  unrepairable  cancelled
    contact    office    200      409        409        409       409           409
    contact    engineer  403      403        403        403       403           403
    contact    customer  404      404        404        404       404           404
    send       office    409      200        409        409       409           409
    send       engineer  403      403        403        403       403           403
    send       customer  404      404        404        404       404           404
    follow_up  office    409      409        200        409       409           409
    follow_up  engineer  403      403        403        403       403           403
    follow_up  customer  404      404        404        404       404           404
    receive    office    409      409        200        409       409           409
    receive    engineer  403      403        403        403       403           403
    receive    customer  404      404        404        404       404           404
    cancel     office    200      200        409        409       409           409
    cancel     engineer  403      403        403        403       403           403
    cancel     customer  404      404        404        404       404           404
    """,
    targets={
        "contact": {"planned": "contacted"},
        "send": {"contacted": "at_vendor"},
        "follow_up": {"at_vendor": "at_vendor"},
        "receive": {"at_vendor": "returned"},  # repaired; unrepairable is reached below
        "cancel": {"planned": "cancelled", "contacted": "cancelled"},
    },
    aliases={"office": ("clerk", "supervisor")},
)

_CONTACT = Step("contact", "clerk")
_SEND = Step("send", "clerk")
_BODIES: dict[str, Any] = {
    "contact": CONTACT,
    "follow_up": {"notes": "called them"},
    "receive": RECEIVE,
    "cancel": {"reason": "customer changed their mind"},
}


async def _setup(factory: Factory, users: Mapping[str, Any]) -> Mapping[str, Any]:
    order = await repair_order(factory, assignee=users["engineer"], owner=users["clerk"])
    return {"repair order": order, "vendor": await factory.vendor()}


async def _outsiders(factory: Factory) -> Mapping[str, Any]:
    return {
        "a customer": await factory.user("customer"),
        "an engineer the repair is not assigned to": await factory.user("engineer"),
    }


def _valid_body(action: str, attempt: dict[str, Any], users: Mapping[str, Any]) -> Any:
    return send_body() if action == "send" else _BODIES[action]


RECIPE = Recipe(
    base=API,
    create_body=lambda users: {
        "repair_order_id": str(users["repair order"].id),
        "vendor_id": str(users["vendor"].id),
    },
    creator="clerk",
    paths={
        "planned": (),
        "contacted": (_CONTACT,),
        "at_vendor": (_CONTACT, _SEND),
        "returned": (_CONTACT, _SEND, Step("receive", "clerk")),
        "unrepairable": (
            _CONTACT,
            _SEND,
            Step("receive", "supervisor", {"result": "unrepairable", "vendor_report": "no parts"}),
        ),
        "cancelled": (_CONTACT, Step("cancel", "clerk")),
    },
    body=_valid_body,
    outsiders=_outsiders,
    setup=_setup,
    list_hidden_from=frozenset({"customer"}),
)

TestExternalRepairWorkflow = workflow_checks(ORACLE, RECIPE, EXTERNAL_REPAIR)
