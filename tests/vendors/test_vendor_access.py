"""Who may do what with vendors (SPEC §2): office writes, engineers read, customers nothing."""

import uuid

import pytest

from tests.support import assert_problem

URL = "/api/v1/vendors"


def _request(endpoint: str, vendor_id: uuid.UUID):
    one = f"{URL}/{vendor_id}"
    return {
        "list": ("GET", URL, None),
        "create": ("POST", URL, {"name": "New Station"}),
        "get": ("GET", one, None),
        "update": ("PATCH", one, {"name": "Changed"}),
        "timeline": ("GET", f"{one}/timeline", None),
    }[endpoint]


ROLES = ["customer", "engineer", "clerk", "supervisor", None]  # None: no token at all
# Vendors are closed to customer users altogether (403: there is nothing of theirs to hide).
# fmt: off
EXPECTED = {
    #                customer  engineer  clerk  supervisor  no token
    "list":         (403,      200,      200,   200,        401),
    "create":       (403,      403,      201,   201,        401),
    "get":          (403,      200,      200,   200,        401),
    "update":       (403,      403,      200,   200,        401),
    "timeline":     (403,      200,      200,   200,        401),
}
# fmt: on


async def _state(client, headers, vendor_id):
    listed = (await client.get(URL, headers=headers)).json()["items"]
    timeline = (await client.get(f"{URL}/{vendor_id}/timeline", headers=headers)).json()["items"]
    return listed, timeline


@pytest.mark.parametrize("role", ROLES)
async def test_permission_matrix(client, factory, users, role):
    vendor = await factory.vendor(name="Station")
    office = factory.headers(users["clerk"])
    before = await _state(client, office, vendor.id)
    headers = factory.headers(users[role]) if role else {}

    got = {}
    for endpoint in EXPECTED:
        method, url, body = _request(endpoint, vendor.id)
        if_match = {"If-Match": '"1"'} if method == "PATCH" else {}
        response = await client.request(method, url, json=body, headers=headers | if_match)
        if response.status_code >= 400:
            assert_problem(response, response.status_code)
        got[endpoint] = response.status_code

    assert got == {endpoint: row[ROLES.index(role)] for endpoint, row in EXPECTED.items()}
    if role not in ("clerk", "supervisor"):
        assert await _state(client, office, vendor.id) == before  # refused writes leave no trace


@pytest.mark.parametrize(("role", "actions"), [("engineer", []), ("clerk", ["update"])])
async def test_allowed_actions_follow_the_role(client, factory, users, role, actions):
    vendor = await factory.vendor()
    response = await client.get(f"{URL}/{vendor.id}", headers=factory.headers(users[role]))
    assert response.json()["allowed_actions"] == actions
    listed = await client.get(URL, headers=factory.headers(users[role]))
    assert listed.json()["items"][0]["allowed_actions"] == actions


async def test_customer_gets_403_even_for_a_missing_vendor(client, factory, users):
    # Vendors are closed to customers as a whole: nothing to enumerate, and a plain 403.
    response = await client.get(f"{URL}/{uuid.uuid4()}", headers=factory.headers(users["customer"]))
    assert_problem(response, 403, "forbidden")
