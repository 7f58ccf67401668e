"""Idempotency on visit writes and the visit workflow in /meta/workflows."""

from tests.support import assert_problem
from tests.visits.helpers import API, HAPPY, plan_body


async def test_a_retried_plan_and_record_happen_once(client, factory, users):
    body = plan_body(users["customer"].customer_id)
    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "plan-1"})
    first = await client.post(API, json=body, headers=headers)
    again = await client.post(API, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = await client.post(API, json={**body, "method": "email"}, headers=headers)
    assert_problem(other, 422)
    clerk = factory.headers(users["clerk"])
    assert len((await client.get(API, headers=clerk)).json()["items"]) == 1

    url = f"{API}/{first.json()['id']}/record"
    keyed = factory.headers(users["clerk"], **{"Idempotency-Key": "record-1"})
    done = await client.post(url, json=HAPPY, headers=keyed)
    replay = await client.post(url, json=HAPPY, headers=keyed)
    assert done.status_code == replay.status_code == 200
    assert replay.json()["version"] == done.json()["version"]
    events = (await client.get(f"{API}/{first.json()['id']}/timeline", headers=clerk)).json()
    assert [e["action"] for e in events["items"]] == ["created", "record"]


async def test_meta_workflows_describes_visits_in_both_languages(client, factory, users):
    response = await client.get(
        "/api/v1/meta/workflows",
        headers={**factory.headers(users["clerk"]), "Accept-Language": "zh-CN"},
    )
    assert response.status_code == 200
    catalogue = response.json()
    visit = next(w for w in catalogue["workflows"] if w["name"] == "visit")
    assert {s["key"]: s["label"] for s in visit["states"]} == {
        "planned": "待回访",
        "completed": "已回访",
        "unreachable": "未联系上",
        "cancelled": "已取消",
    }
    record = next(a for a in visit["actions"] if a["key"] == "record")
    assert record["possible_to"] == ["completed", "unreachable"]
    assert record["labels"] == {"en": "Record callback", "zh-CN": "记录回访"}
    enums = {e["name"]: {v["key"] for v in e["values"]} for e in catalogue["enums"]}
    assert enums["visit_method"] == {"phone", "onsite", "email", "online_survey"}
    assert enums["nps_category"] == {"promoter", "passive", "detractor"}
