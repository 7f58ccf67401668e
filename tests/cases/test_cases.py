"""Difficult cases' own rules: the escalation chain, authority, proposals from orders, who sees
what, filters and bad input (the table itself is tests/cases/test_workflow_oracle.py)."""

from typing import Any

import pytest

from tests.cases.helpers import API, case_body
from tests.service_orders.helpers import API as ORDERS
from tests.service_orders.helpers import order_body
from tests.support import assert_problem

ESCALATE_BODY = {"criteria": ["repeat_failure", "key_customer"], "summary": "Keeps failing"}


async def _post(client: Any, factory: Any, who: Any, url: str, body: Any = None, **h: str) -> Any:
    return await client.post(url, json=body, headers=factory.headers(who, **h))


async def _open_case(client: Any, factory: Any, users: Any, handler: Any) -> dict[str, Any]:
    created = await _post(client, factory, users["clerk"], API, case_body())
    assert created.status_code == 201, created.text
    case = created.json()
    for action, who, body in (
        ("confirm", "supervisor", None),
        ("assign", "clerk", {"handler_id": str(handler.id)}),
    ):
        answer = await _post(client, factory, users[who], f"{API}/{case['id']}/{action}", body)
        assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_a_case_escalated_twice_keeps_its_chain_and_is_archived(client, factory, users):
    engineer = users["engineer"]
    head = await factory.user("supervisor", name="Department head", authority_level=2)
    director = await factory.user("supervisor", name="Service director", authority_level=3)
    case = await _open_case(client, factory, users, engineer)
    assert (case["status"], case["level"], case["handler"]["id"]) == (
        "in_progress",
        1,
        str(engineer.id),
    )
    url = f"{API}/{case['id']}"
    first = await _post(
        client,
        factory,
        engineer,
        f"{url}/escalate",
        {"reason": "Beyond me", "to_user_id": str(head.id)},
    )
    assert first.status_code == 200, first.text
    assert (first.json()["level"], first.json()["handler_id"]) == (2, str(head.id))
    second = await _post(
        client,
        factory,
        head,
        f"{url}/escalate",
        {"reason": "Needs the director", "to_user_id": str(director.id)},
    )
    assert second.status_code == 200, second.text
    chain = second.json()["escalations"]
    assert [
        (e["from"]["id"], e["to"]["id"], e["by"]["id"], e["level"], e["reason"]) for e in chain
    ] == [
        (str(engineer.id), str(head.id), str(engineer.id), 2, "Beyond me"),
        (str(head.id), str(director.id), str(head.id), 3, "Needs the director"),
    ]
    assert chain[1]["to"]["name"] == "Service director"
    # The engineer handed the case on and no longer sees it; the director does.
    assert (await client.get(url, headers=factory.headers(engineer))).status_code == 404
    resolved = await _post(client, factory, director, f"{url}/resolve", {"solution": "New board"})
    assert resolved.status_code == 200, resolved.text
    archived = await _post(
        client, factory, users["clerk"], f"{url}/archive", {"final_record": "Filed"}
    )
    assert archived.status_code == 200, archived.text
    assert (archived.json()["status"], archived.json()["level"]) == ("archived", 3)
    timeline = await client.get(f"{url}/timeline", headers=factory.headers(users["clerk"]))
    actions = [e["action"] for e in timeline.json()["items"] if e["type"] == "event"]
    assert actions == ["created", "confirm", "assign", "escalate", "escalate", "resolve", "archive"]
    # The new handlers were told.
    notices = await client.get("/api/v1/notifications", headers=factory.headers(director))
    # (a supervisor also hears of every proposal)
    assert sorted(n["kind"] for n in notices.json()["items"]) == ["case_assigned", "case_proposed"]


@pytest.mark.parametrize("level", [1, 2])
async def test_escalation_to_someone_without_higher_authority_is_409(client, factory, users, level):
    handler = await factory.user("clerk", authority_level=2)
    peer = await factory.user("supervisor", authority_level=level)
    case = await _open_case(client, factory, users, handler)
    refused = await _post(
        client,
        factory,
        handler,
        f"{API}/{case['id']}/escalate",
        {"reason": "Up", "to_user_id": str(peer.id)},
    )
    problem = assert_problem(refused, 409, "conflict")
    assert problem["field"] == "to_user_id"
    now = (await client.get(f"{API}/{case['id']}", headers=factory.headers(users["clerk"]))).json()
    assert (now["level"], now["handler_id"], now["version"]) == (
        1,
        str(handler.id),
        case["version"],
    )


async def test_escalating_to_a_customer_or_a_missing_user_is_422(client, factory, users):
    case = await _open_case(client, factory, users, users["engineer"])
    for target in (users["customer"].id, "00000000-0000-0000-0000-000000000000"):
        refused = await _post(
            client,
            factory,
            users["supervisor"],
            f"{API}/{case['id']}/escalate",
            {"reason": "Up", "to_user_id": str(target)},
        )
        assert_problem(refused, 422, "validation_error")


async def test_a_service_order_escalated_into_a_case_shows_it(client, factory, users):
    order = (
        await _post(
            client, factory, users["clerk"], ORDERS, order_body(users["customer"].customer_id)
        )
    ).json()
    url = f"{ORDERS}/{order['id']}/escalate"
    answer = await _post(client, factory, users["clerk"], url, ESCALATE_BODY)
    assert answer.status_code == 201, answer.text
    case = answer.json()
    assert (case["status"], case["source"], case["criteria"]) == (
        "proposed",
        {"type": "service_order", "id": order["id"]},
        ["repeat_failure", "key_customer"],
    )
    assert answer.headers["etag"] == f'"{case["version"]}"'
    seen = (
        await client.get(f"{ORDERS}/{order['id']}", headers=factory.headers(users["clerk"]))
    ).json()
    assert (seen["status"], seen["case"]["id"], seen["case"]["number"]) == (
        "new",
        case["id"],
        case["number"],
    )
    listed = await client.get(ORDERS, headers=factory.headers(users["clerk"]))
    assert listed.json()["items"][0]["case"]["id"] == case["id"]
    # The customer's view of the order has no `case` at all.
    mine = await client.get(f"{ORDERS}/{order['id']}", headers=factory.headers(users["customer"]))
    assert "case" not in mine.json()
    # A second escalation while the case is alive names it.
    again = await _post(client, factory, users["supervisor"], url, ESCALATE_BODY)
    problem = assert_problem(again, 409, "conflict")
    assert problem["case_id"] == case["id"]
    # The case's own history starts with its creation; supervisors were told.
    timeline = await client.get(
        f"{API}/{case['id']}/timeline", headers=factory.headers(users["clerk"])
    )
    assert [e["action"] for e in timeline.json()["items"]] == ["created"]
    notices = await client.get(
        "/api/v1/notifications", headers=factory.headers(users["supervisor"])
    )
    assert "case_proposed" in [n["kind"] for n in notices.json()["items"]]
    # Once rejected, the order may be escalated again.
    rejected = await _post(
        client, factory, users["supervisor"], f"{API}/{case['id']}/reject", {"reason": "No"}
    )
    assert rejected.status_code == 200, rejected.text
    assert (await _post(client, factory, users["clerk"], url, ESCALATE_BODY)).status_code == 201


async def test_cases_from_an_order_by_id_and_standalone(client, factory, users):
    order = (
        await _post(
            client, factory, users["clerk"], ORDERS, order_body(users["customer"].customer_id)
        )
    ).json()
    linked = await _post(
        client,
        factory,
        users["clerk"],
        API,
        case_body(source_type="service_order", source_id=order["id"]),
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["source"] == {"type": "service_order", "id": order["id"]}
    standalone = await _post(client, factory, users["engineer"], API, case_body())
    assert standalone.status_code == 201, standalone.text
    assert standalone.json()["source"] is None
    # The engineer sees the case they proposed, not the clerk's.
    mine = await client.get(API, headers=factory.headers(users["engineer"]))
    assert [c["id"] for c in mine.json()["items"]] == [standalone.json()["id"]]


async def test_customers_never_see_cases(client, factory, users):
    customer = users["customer"]
    case = (await _post(client, factory, users["clerk"], API, case_body())).json()
    for method, url, body in (
        ("GET", API, None),
        ("POST", API, case_body()),
        ("GET", f"{API}/{case['id']}", None),
        ("GET", f"{API}/{case['id']}/timeline", None),
        ("GET", f"{API}/{case['id']}/records", None),
        ("POST", f"{API}/{case['id']}/records", {"kind": "communication", "body": "hi"}),
    ):
        answer = await client.request(method, url, json=body, headers=factory.headers(customer))
        assert_problem(answer, 404, "not_found")
    order = (
        await _post(client, factory, users["clerk"], ORDERS, order_body(customer.customer_id))
    ).json()
    refused = await _post(
        client, factory, customer, f"{ORDERS}/{order['id']}/escalate", ESCALATE_BODY
    )
    assert_problem(refused, 403, "forbidden")


async def test_filters(client, factory, users):
    order = (
        await _post(
            client, factory, users["clerk"], ORDERS, order_body(users["customer"].customer_id)
        )
    ).json()
    linked = (
        await _post(
            client, factory, users["clerk"], f"{ORDERS}/{order['id']}/escalate", ESCALATE_BODY
        )
    ).json()
    other = (
        await _post(client, factory, users["clerk"], API, case_body(summary="Smoke from PSU"))
    ).json()
    office = factory.headers(users["clerk"])

    async def ids(**params: Any) -> list[str]:
        answer = await client.get(API, params=params, headers=office)
        assert answer.status_code == 200, answer.text
        return sorted(c["id"] for c in answer.json()["items"])

    assert await ids(criteria="key_customer") == [linked["id"]]
    assert await ids(criteria="beyond_authority") == [other["id"]]
    assert await ids(source_type="service_order", source_id=order["id"]) == [linked["id"]]
    assert await ids(q="psu") == [other["id"]]
    assert await ids(status="proposed", level=1) == sorted([linked["id"], other["id"]])
    assert await ids(level=2) == []
    assert await ids(handler_id=str(users["engineer"].id)) == []
    assert_problem(await client.get(API, params={"criteria": "bogus"}, headers=office), 422)
    assert_problem(await client.get(API, params={"stauts": "open"}, headers=office), 422)


BAD_CREATES = {
    "no criteria": {"summary": "x"},
    "empty criteria": {"criteria": [], "summary": "x"},
    "duplicate criteria": {"criteria": ["other", "other"], "summary": "x"},
    "unknown criterion": {"criteria": ["vibes"], "summary": "x"},
    "criteria not a list": {"criteria": "other", "summary": "x"},
    "no summary": {"criteria": ["other"]},
    "empty summary": {"criteria": ["other"], "summary": "  "},
    "unknown field": {"criteria": ["other"], "summary": "x", "status": "open"},
    "source_type without id": {
        "criteria": ["other"],
        "summary": "x",
        "source_type": "service_order",
    },
    "unknown source_type": {
        "criteria": ["other"],
        "summary": "x",
        "source_type": "complaint",
        "source_id": "00000000-0000-0000-0000-000000000000",
    },
    "missing source": {
        "criteria": ["other"],
        "summary": "x",
        "source_type": "service_order",
        "source_id": "00000000-0000-0000-0000-000000000000",
    },
    "not an object": [1],
}


@pytest.mark.parametrize("name", BAD_CREATES)
async def test_bad_proposals_are_422_and_create_nothing(client, factory, users, name):
    answer = await _post(client, factory, users["clerk"], API, BAD_CREATES[name])
    assert_problem(answer, 422, "validation_error")
    listed = await client.get(API, headers=factory.headers(users["clerk"]))
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "action, body",
    [
        ("reject", {}),
        ("reject", {"reason": ""}),
        ("resolve", {"solution": ""}),
        ("escalate", {"reason": "x"}),
        ("escalate", {"to_user_id": "not-a-uuid", "reason": "x"}),
        ("archive", {"final_record": 5}),
    ],
)
async def test_bad_action_bodies_are_422(client, factory, users, action, body):
    case = (await _post(client, factory, users["clerk"], API, case_body())).json()
    answer = await _post(client, factory, users["supervisor"], f"{API}/{case['id']}/{action}", body)
    assert_problem(answer, 422, "validation_error")


async def test_bad_order_escalation_bodies_are_422(client, factory, users):
    order = (
        await _post(
            client, factory, users["clerk"], ORDERS, order_body(users["customer"].customer_id)
        )
    ).json()
    url = f"{ORDERS}/{order['id']}/escalate"
    for body in (
        {"criteria": ["other"]},
        {"criteria": [], "summary": "x"},
        {**ESCALATE_BODY, "source_id": order["id"]},
    ):
        assert_problem(
            await _post(client, factory, users["clerk"], url, body), 422, "validation_error"
        )
    missing = await _post(
        client,
        factory,
        users["clerk"],
        f"{ORDERS}/00000000-0000-0000-0000-000000000000/escalate",
        ESCALATE_BODY,
    )
    assert_problem(missing, 404, "not_found")


async def test_the_case_list_runs_the_same_queries_for_more_rows(client, factory, users, engine):
    from tests.http.test_query_counts import count_queries

    office = factory.headers(users["clerk"])

    async def escalated_case(n: int) -> None:
        for i in range(n):
            case = await _open_case(client, factory, users, users["engineer"])
            boss = await factory.user("supervisor", authority_level=2 + i)
            answer = await _post(
                client,
                factory,
                users["engineer"],
                f"{API}/{case['id']}/escalate",
                {"reason": "Up", "to_user_id": str(boss.id)},
            )
            assert answer.status_code == 200, answer.text

    await escalated_case(1)
    with count_queries(engine) as few:
        assert (await client.get(API, headers=office)).status_code == 200
    await escalated_case(4)
    with count_queries(engine) as many:
        assert len((await client.get(API, headers=office)).json()["items"]) == 5
    assert len(many) == len(few)


async def test_supervisors_set_authority_levels(client, factory, users):
    supervisor = factory.headers(users["supervisor"])
    engineer = users["engineer"]
    read = await client.get(f"/api/v1/users/{engineer.id}", headers=supervisor)
    assert read.json()["authority_level"] == 1
    url = f"/api/v1/users/{engineer.id}"
    etag = {"If-Match": read.headers["etag"]}
    changed = await client.patch(url, json={"authority_level": 4}, headers={**supervisor, **etag})
    assert changed.status_code == 200, changed.text
    assert changed.json()["authority_level"] == 4
    for bad in ({"authority_level": 0}, {"authority_level": "high"}, {"authority_level": None}):
        etag = {"If-Match": changed.headers["etag"]}
        answer = await client.patch(url, json=bad, headers={**supervisor, **etag})
        assert_problem(answer, 422, "validation_error")
    clerk = {**factory.headers(users["clerk"]), "If-Match": changed.headers["etag"]}
    assert_problem(await client.patch(url, json={"authority_level": 9}, headers=clerk), 403)
    created = await client.post(
        "/api/v1/users",
        json={
            "email": "head@x.example",
            "name": "Head",
            "role": "supervisor",
            "password": "x" * 16,
        },
        headers=supervisor,
    )
    assert created.status_code == 201, created.text
    assert created.json()["authority_level"] == 2


async def test_an_assignee_escalates_with_an_idempotency_key_once(client, factory, users):
    engineer = users["engineer"]
    order = (
        await _post(
            client, factory, users["clerk"], ORDERS, order_body(users["customer"].customer_id)
        )
    ).json()
    assigned = await _post(
        client,
        factory,
        users["clerk"],
        f"{ORDERS}/{order['id']}/assign",
        {"assignee_id": str(engineer.id)},
    )
    assert assigned.status_code == 200, assigned.text
    url = f"{ORDERS}/{order['id']}/escalate"
    first = await _post(client, factory, engineer, url, ESCALATE_BODY, **{"Idempotency-Key": "k1"})
    again = await _post(client, factory, engineer, url, ESCALATE_BODY, **{"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    # The engineer proposed it, so sees it; nobody else is told it twice.
    seen = await client.get(f"{API}/{first.json()['id']}", headers=factory.headers(engineer))
    assert seen.status_code == 200 and seen.json()["proposed_by"]["id"] == str(engineer.id)
    listed = await client.get(API, headers=factory.headers(users["clerk"]))
    assert len(listed.json()["items"]) == 1


async def test_meta_workflows_label_the_case_workflow(client, factory, users):
    answer = await client.get(
        "/api/v1/meta/workflows",
        headers={**factory.headers(users["clerk"]), "Accept-Language": "zh-CN"},
    )
    catalogue = answer.json()
    [case] = [w for w in catalogue["workflows"] if w["name"] == "case"]
    assert {s["key"]: s["label"] for s in case["states"]}["proposed"] == "待确认"
    assert {a["key"] for a in case["actions"]} == {
        "confirm",
        "reject",
        "assign",
        "escalate",
        "resolve",
        "archive",
    }
    [criteria] = [e for e in catalogue["enums"] if e["name"] == "case_criterion"]
    assert {v["key"]: v["labels"]["en"] for v in criteria["values"]}["repeat_failure"] == (
        "Repeat failure"
    )
