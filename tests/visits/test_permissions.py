"""Who may plan, list, read and write on visits (the actions' matrix is the oracle's)."""

from tests.support import assert_problem
from tests.visits.helpers import API, plan, plan_body

PLAN_BATCH = {
    "closed_from": "2026-01-01T00:00:00+08:00",
    "closed_to": "2026-02-01T00:00:00+08:00",
    "method": "phone",
}


async def test_only_the_office_plans(client, factory, users):
    body = plan_body(users["customer"].customer_id, "online_survey")
    for role in ("clerk", "supervisor"):
        response = await client.post(API, json=body, headers=factory.headers(users[role]))
        assert response.status_code == 201, (role, response.text)
        batch = await client.post(
            f"{API}/plan-batch", json=PLAN_BATCH, headers=factory.headers(users[role])
        )
        assert batch.status_code == 200, (role, batch.text)
    for role in ("engineer", "customer"):
        headers = factory.headers(users[role])
        assert_problem(await client.post(API, json=body, headers=headers), 403, "forbidden")
        refused = await client.post(f"{API}/plan-batch", json=PLAN_BATCH, headers=headers)
        assert_problem(refused, 403, "forbidden")
    assert_problem(await client.post(API, json=body), 401, "not_authenticated")


async def test_each_role_lists_what_it_may_see(client, factory, users):
    clerk = factory.headers(users["clerk"])
    customer_id = users["customer"].customer_id
    visitor = str(users["engineer"].id)
    survey = await plan(client, clerk, plan_body(customer_id, "online_survey"))
    phone = await plan(client, clerk, plan_body(customer_id, "phone", visitor_id=visitor))
    other = await factory.user("customer")
    foreign = await plan(client, clerk, plan_body(other.customer_id, "online_survey"))
    expected = {
        "clerk": {survey["id"], phone["id"], foreign["id"]},
        "supervisor": {survey["id"], phone["id"], foreign["id"]},
        "engineer": {phone["id"]},
        "customer": {survey["id"]},
    }
    for role, ids in expected.items():
        response = await client.get(API, headers=factory.headers(users[role]))
        assert response.status_code == 200, response.text
        assert {v["id"] for v in response.json()["items"]} == ids, role
        for visit in (survey, phone, foreign):
            read = await client.get(f"{API}/{visit['id']}", headers=factory.headers(users[role]))
            assert read.status_code == (200 if visit["id"] in ids else 404), (role, visit)
            timeline = await client.get(
                f"{API}/{visit['id']}/timeline", headers=factory.headers(users[role])
            )
            assert timeline.status_code == (200 if visit["id"] in ids else 404), role


async def test_customers_may_not_use_the_staff_filters(client, factory, users):
    customer = factory.headers(users["customer"])
    for params in ({"needs_follow_up": "true"}, {"visitor_id": str(users["engineer"].id)}):
        assert_problem(await client.get(API, params=params, headers=customer), 422)
    assert_problem(await client.get(API, params={"stauts": "planned"}, headers=customer), 422)


async def test_filters(client, factory, users):
    clerk = factory.headers(users["clerk"])
    customer_id = users["customer"].customer_id
    soon = await plan(
        client, clerk, plan_body(customer_id, "email", planned_at="2030-01-02T09:00:00+08:00")
    )
    late = await plan(
        client, clerk, plan_body(customer_id, "phone", planned_at="2030-03-02T09:00:00+08:00")
    )
    cases = {
        (("method", "email"),): {soon["id"]},
        (("status", "planned"), ("status", "cancelled")): {soon["id"], late["id"]},
        (("planned_after", "2030-02-01T00:00:00+00:00"),): {late["id"]},
        (("planned_before", "2030-02-01T00:00:00+00:00"),): {soon["id"]},
        (("customer_id", str(customer_id)),): {soon["id"], late["id"]},
        (("needs_follow_up", "false"),): {soon["id"], late["id"]},
        (("needs_follow_up", "true"),): set(),
    }
    for params, ids in cases.items():
        response = await client.get(API, params=list(params), headers=clerk)
        assert response.status_code == 200, response.text
        assert {v["id"] for v in response.json()["items"]} == ids, params
    bad = await client.get(API, params={"method": "pigeon"}, headers=clerk)
    assert_problem(bad, 422, "validation_error")


async def test_records_are_for_staff_who_see_the_visit(client, factory, users):
    clerk = factory.headers(users["clerk"])
    survey = await plan(
        client,
        clerk,
        plan_body(
            users["customer"].customer_id, "online_survey", visitor_id=str(users["engineer"].id)
        ),
    )
    note = {"kind": "communication", "channel": "phone", "body": "Left a message"}
    for role in ("clerk", "supervisor", "engineer"):
        response = await client.post(
            f"{API}/{survey['id']}/records", json=note, headers=factory.headers(users[role])
        )
        assert response.status_code == 201, (role, response.text)
    refused = await client.post(
        f"{API}/{survey['id']}/records", json=note, headers=factory.headers(users["customer"])
    )
    assert_problem(refused, 403, "forbidden")
