"""Repair orders in the shared conventions: Idempotency-Key replay, If-Match on actions, and
/meta/workflows with en and zh-CN labels."""

from tests.repair_orders.helpers import API, receive_body
from tests.support import assert_problem


async def test_the_same_idempotency_key_replays_one_receipt(bench):
    body = receive_body(bench.users["customer"].customer_id)
    headers = bench.headers(**{"Idempotency-Key": "ro-1"})
    first = await bench.client.post(API, json=body, headers=headers)
    again = await bench.client.post(API, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    listed = await bench.client.get(API, headers=bench.headers())
    assert len(listed.json()["items"]) == 1
    other = await bench.client.post(
        API, json={**body, "fault_description": "other"}, headers=headers
    )
    assert_problem(other, 422)


async def test_an_action_replayed_with_its_key_acts_once(bench):
    order = await bench.order_in("ready")
    headers = {"Idempotency-Key": "deliver-1"}
    first = await bench.act(order, "deliver", "clerk", **headers)
    again = await bench.act(order, "deliver", "clerk", **headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert sum(e["action"] == "deliver" for e in await bench.events(order)) == 1


async def test_meta_workflows_lists_the_repair_order_table_in_both_languages(bench):
    response = await bench.client.get(
        "/api/v1/meta/workflows", headers=bench.headers(**{"Accept-Language": "zh-CN"})
    )
    assert response.status_code == 200
    workflow = next(w for w in response.json()["workflows"] if w["name"] == "repair_order")
    states = {s["key"]: s for s in workflow["states"]}
    assert states["reinspection"]["label"] == "待复检"
    assert states["reinspection"]["labels"]["en"] == "Awaiting re-inspection"
    actions = {a["key"]: a for a in workflow["actions"]}
    assert actions["deliver"]["from"] == ["ready"]
    assert actions["reinspect"]["possible_to"] == ["ready", "repairing"]
    assert actions["escalate"]["label"] == "升级为疑难案件"
    enums = {e["name"] for e in response.json()["enums"]}
    assert {"repair_route", "repair_route_reason", "repair_outcome", "billed_to"} <= enums
