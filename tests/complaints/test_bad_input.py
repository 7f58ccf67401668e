"""Bad input to every complaint body (SPEC §3): a clear 4xx problem, and nothing changed."""

from typing import Any

import pytest

from tests.complaints.helpers import ACCEPT, API, action_body, complaint_body
from tests.service_orders.test_bad_input import LONG, NUL, _common, _refuse_all


def _create_cases(customer_id: Any) -> dict[str, Any]:
    valid = complaint_body(customer_id)
    return {
        **_common(valid),
        "empty object": {},
        "status given": {**valid, "status": "closed"},
        "number given": {**valid, "number": "CP-2000-000001"},
        "owner given": {**valid, "owner_id": str(customer_id)},
        "handler given": {**valid, "handler_id": str(customer_id)},
        "unknown source": {**valid, "source": "fax"},
        "unknown severity": {**valid, "severity": "urgent"},
        "severity as number": {**valid, "severity": 3},
        "customer missing": {k: v for k, v in valid.items() if k != "customer_id"},
        "customer not a uuid": {**valid, "customer_id": "acme"},
        "customer unknown": {**valid, "customer_id": "00000000-0000-4000-8000-000000000000"},
        "service order not a uuid": {**valid, "service_order_id": "SO-1"},
        "service order unknown": {
            **valid,
            "service_order_id": "00000000-0000-4000-8000-000000000000",
        },
        "repair order unknown": {
            **valid,
            "repair_order_id": "00000000-0000-4000-8000-000000000000",
        },
        "visit not a uuid": {**valid, "visit_id": "visit-1"},
        "complainant missing": {k: v for k, v in valid.items() if k != "complainant"},
        "complainant blank": {**valid, "complainant": "   "},
        "complainant too long": {**valid, "complainant": "x" * 201},
        "complainant as list": {**valid, "complainant": ["a"]},
        "description empty": {**valid, "description": ""},
        "description too long": {**valid, "description": LONG},
        "description with NUL": {**valid, "description": NUL},
        "description null": {**valid, "description": None},
    }


async def _nothing_written(desk) -> None:
    assert (await desk.client.get(API, headers=desk.headers())).json()["items"] == []
    events = await desk.client.get("/api/v1/events", headers=desk.headers("supervisor"))
    assert events.json()["items"] == []


@pytest.mark.parametrize("who", ["clerk", "customer"])
async def test_bad_create_bodies_change_nothing(desk, who):
    await _refuse_all(desk, "POST", API, _create_cases(desk.customer_id), who)
    await _nothing_written(desk)


def _action_cases(action: str, valid: dict[str, Any]) -> dict[str, Any]:
    cases: dict[str, Any] = {**_common(valid), "empty object": {}}
    for key, value in valid.items():
        cases[f"{key} missing"] = {k: v for k, v in valid.items() if k != key}
        cases[f"{key} null"] = {**valid, key: None}
        if isinstance(value, bool):
            cases[f"{key} as a string"] = {**valid, key: "yes"}
            cases[f"{key} as a number"] = {**valid, key: 1}
        elif key.endswith("_id"):
            cases[f"{key} not a uuid"] = {**valid, key: "someone"}
        else:
            cases[f"{key} empty"] = {**valid, key: ""}
            cases[f"{key} too long"] = {**valid, key: LONG}
            cases[f"{key} with NUL"] = {**valid, key: NUL}
    if action == "assess":
        cases = {k: v for k, v in cases.items() if not k.startswith("reason")}
        cases["reason empty"] = {**valid, "reason": ""}
        cases["reason too long"] = {**valid, "reason": "x" * 2001}
    return cases


_BEFORE = {
    "assess": (),
    "analyze": (("assess", "clerk"),),
    "resolve": (("assess", "clerk"), ("analyze", "clerk")),
    "report_back": (("assess", "clerk"), ("analyze", "clerk"), ("resolve", "clerk")),
}


@pytest.mark.parametrize("action", sorted(_BEFORE))
async def test_bad_action_bodies_change_nothing(desk, action):
    complaint = await desk.create()
    for step, who in _BEFORE[action]:
        complaint = await desk.do(complaint, step, who)
    valid = action_body(action, desk.users["engineer"])
    assert valid is not None
    if action == "assess":
        valid = {**ACCEPT, "reason": "Confirmed by the engineer's log"}
    url = f"{API}/{complaint['id']}/{action}"
    await _refuse_all(desk, "POST", url, _action_cases(action, valid))
    after = (await desk.read(complaint)).json()
    assert (after["status"], after["version"]) == (complaint["status"], complaint["version"])
    assert (await desk.act(complaint, action, "clerk", valid)).status_code == 200


async def test_close_refuses_any_field(desk):
    complaint = await desk.create()
    complaint = await desk.do(
        complaint,
        "assess",
        "supervisor",
        {"authentic": False, "reasonable": False, "accepted": False, "reason": "not ours"},
    )
    url = f"{API}/{complaint['id']}/close"
    await _refuse_all(desk, "POST", url, {"a field": {"reason": "x"}, "a number": 4})
    assert (await desk.read(complaint)).json()["version"] == complaint["version"]
    assert (await desk.act(complaint, "close", "clerk", None)).status_code == 200


async def test_bad_ids_in_the_path(desk):
    assert (await desk.client.get(f"{API}/not-a-uuid", headers=desk.headers())).status_code == 422
    missing = f"{API}/00000000-0000-4000-8000-000000000000"
    assert (await desk.client.get(missing, headers=desk.headers())).status_code == 404
    response = await desk.client.post(f"{missing}/close", headers=desk.headers())
    assert response.status_code == 404
