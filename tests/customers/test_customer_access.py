"""Who may do what with customers (SPEC §2): office writes, engineers read, a customer user sees
only its own company (another company is 404, never 403) and changes nothing."""

import uuid

import pytest

from tests.support import assert_problem

URL = "/api/v1/customers"
ROLES = ["customer", "engineer", "clerk", "supervisor", None]  # None: no token at all


def _request(endpoint: str, customer_id: uuid.UUID) -> tuple[str, str, dict | None]:
    one = f"{URL}/{customer_id}"
    return {
        "list": ("GET", URL, None),
        "create": ("POST", URL, {"code": f"C-{uuid.uuid4().hex[:8]}", "name": "New Co"}),
        "get": ("GET", one, None),
        "update": ("PATCH", one, {"name": "Changed"}),
        "add_record": ("POST", f"{one}/records", {"kind": "communication", "body": "Called"}),
        "timeline": ("GET", f"{one}/timeline", None),
    }[endpoint]


# What each role gets on another company's customer (for a customer user: not its own).
# fmt: off
EXPECTED = {
    #                customer  engineer  clerk  supervisor  no token
    "list":         (200,      200,      200,   200,        401),
    "create":       (403,      403,      201,   201,        401),
    "get":          (404,      200,      200,   200,        401),
    "update":       (403,      403,      200,   200,        401),
    "add_record":   (403,      403,      201,   201,        401),
    "timeline":     (404,      200,      200,   200,        401),
}
# fmt: on


async def _state(client, headers, customer_id):
    listed = (await client.get(URL, headers=headers)).json()["items"]
    timeline = (await client.get(f"{URL}/{customer_id}/timeline", headers=headers)).json()["items"]
    return listed, timeline


@pytest.mark.parametrize("role", ROLES)
async def test_permission_matrix(client, factory, users, role):
    other = await factory.customer(name="Other Co")
    office = factory.headers(users["clerk"])
    before = await _state(client, office, other.id)
    headers = factory.headers(users[role]) if role else {}

    got = {}
    for endpoint in EXPECTED:
        method, url, body = _request(endpoint, other.id)
        if_match = {"If-Match": '"1"'} if method == "PATCH" else {}
        response = await client.request(method, url, json=body, headers=headers | if_match)
        if response.status_code >= 400:
            assert_problem(response, response.status_code)
        got[endpoint] = response.status_code

    assert got == {endpoint: row[ROLES.index(role)] for endpoint, row in EXPECTED.items()}
    if role not in ("clerk", "supervisor"):
        assert await _state(client, office, other.id) == before  # refused writes leave no trace


@pytest.mark.parametrize("role", ["customer", "engineer"])
async def test_read_only_roles_are_offered_no_actions(client, factory, users, role):
    own = users["customer"].customer_id
    response = await client.get(f"{URL}/{own}", headers=factory.headers(users[role]))
    assert response.status_code == 200, response.text
    assert response.json()["allowed_actions"] == []


async def test_customer_user_sees_only_its_own_company(client, factory, users):
    await factory.customer(name="Someone Else")
    me = users["customer"]
    headers = factory.headers(me)

    listed = await client.get(URL, headers=headers)
    assert listed.status_code == 200
    assert [i["id"] for i in listed.json()["items"]] == [str(me.customer_id)]

    own = await client.get(f"{URL}/{me.customer_id}", headers=headers)
    assert own.status_code == 200
    assert own.json()["id"] == str(me.customer_id)
    assert own.headers["etag"] == '"1"'

    # Filters cannot widen the scope.
    for params in ({"q": "Someone"}, {"code": "C-"}, {"sort": "-name"}, {"limit": 200}):
        found = await client.get(URL, params=params, headers=headers)
        assert {i["id"] for i in found.json()["items"]} <= {str(me.customer_id)}


async def test_customer_user_cannot_change_its_own_company(client, factory, users):
    me = users["customer"]
    headers = factory.headers(me, **{"If-Match": '"1"'})

    patched = await client.patch(f"{URL}/{me.customer_id}", json={"name": "Mine"}, headers=headers)
    assert_problem(patched, 403, "forbidden")
    record = await client.post(
        f"{URL}/{me.customer_id}/records",
        json={"kind": "communication", "body": "hi"},
        headers=headers,
    )
    assert_problem(record, 403, "forbidden")

    after = await client.get(f"{URL}/{me.customer_id}", headers=factory.headers(me))
    assert after.json()["version"] == 1
    timeline = await client.get(f"{URL}/{me.customer_id}/timeline", headers=factory.headers(me))
    assert timeline.json()["items"] == []


async def test_another_company_is_indistinguishable_from_a_missing_one(client, factory, users):
    other = await factory.customer()
    headers = factory.headers(users["customer"])
    hidden = await client.get(f"{URL}/{other.id}", headers=headers)
    missing = await client.get(f"{URL}/{uuid.uuid4()}", headers=headers)
    assert assert_problem(hidden, 404)["detail"] == assert_problem(missing, 404)["detail"]


async def test_customer_user_without_a_company_sees_nothing(client, factory, users):
    orphan = await factory.user("customer", customer_id=None)
    headers = factory.headers(orphan)
    listed = await client.get(URL, headers=headers)
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    own = users["customer"].customer_id
    assert_problem(await client.get(f"{URL}/{own}", headers=headers), 404)


async def test_bad_credentials_are_401(client):
    for authorization in ["Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "bearer"]:
        response = await client.get(URL, headers={"Authorization": authorization})
        assert_problem(response, 401, "not_authenticated")


async def test_disabled_user_loses_access_at_once(client, factory, clerk):
    clerk = await factory.user("clerk", active=False)
    assert_problem(await client.get(URL, headers=factory.headers(clerk)), 401)
