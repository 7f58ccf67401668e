"""Who may do what with devices (SPEC §2): office writes, engineers read, a customer user sees
only its own company's devices (another company's is 404, never 403) and changes nothing."""

import uuid
from datetime import date

import pytest

from tests.support import assert_problem

URL = "/api/v1/devices"


def _request(endpoint: str, device_id: uuid.UUID, customer_id: uuid.UUID):
    one = f"{URL}/{device_id}"
    return {
        "list": ("GET", URL, None),
        "create": (
            "POST",
            URL,
            {"customer_id": str(customer_id), "serial_number": "SN-NEW", "model": "M2"},
        ),
        "get": ("GET", one, None),
        "update": ("PATCH", one, {"model": "Changed"}),
        "warranty": ("GET", f"{one}/warranty?on=2026-01-01", None),
        "timeline": ("GET", f"{one}/timeline", None),
    }[endpoint]


ROLES = ["customer", "engineer", "clerk", "supervisor", None]  # None: no token at all
# What each role gets on a device of another company (for a customer user: not its own).
# fmt: off
EXPECTED = {
    #                customer  engineer  clerk  supervisor  no token
    "list":         (200,      200,      200,   200,        401),
    "create":       (403,      403,      201,   201,        401),
    "get":          (404,      200,      200,   200,        401),
    "update":       (403,      403,      200,   200,        401),
    "warranty":     (404,      200,      200,   200,        401),
    "timeline":     (404,      200,      200,   200,        401),
}
# fmt: on


async def _state(client, headers, device_id):
    listed = (await client.get(URL, headers=headers)).json()["items"]
    timeline = (await client.get(f"{URL}/{device_id}/timeline", headers=headers)).json()["items"]
    return listed, timeline


@pytest.mark.parametrize("role", ROLES)
async def test_permission_matrix(client, factory, users, role):
    other = await factory.customer()
    device = await factory.device(other, model="M1", warranty_until=date(2026, 6, 30))
    office = factory.headers(users["clerk"])
    before = await _state(client, office, device.id)
    headers = factory.headers(users[role]) if role else {}

    got = {}
    for endpoint in EXPECTED:
        method, url, body = _request(endpoint, device.id, other.id)
        if_match = {"If-Match": '"1"'} if method == "PATCH" else {}
        response = await client.request(method, url, json=body, headers=headers | if_match)
        if response.status_code >= 400:
            assert_problem(response, response.status_code)
        got[endpoint] = response.status_code

    assert got == {endpoint: row[ROLES.index(role)] for endpoint, row in EXPECTED.items()}
    if role not in ("clerk", "supervisor"):
        assert await _state(client, office, device.id) == before  # refused writes leave no trace


@pytest.fixture
async def two_companies(factory, users):
    """(the customer user's own device, another company's device)"""
    other = await factory.customer()
    own_device = await factory.device(
        other,
        customer_id=users["customer"].customer_id,
        serial_number="SN-OWN",
        warranty_until=date(2026, 6, 30),
    )
    return own_device, await factory.device(other, serial_number="SN-OTHER")


async def test_customer_user_sees_only_its_own_devices(client, factory, users, two_companies):
    own, other = two_companies
    headers = factory.headers(users["customer"])

    listed = await client.get(URL, headers=headers)
    assert [d["serial_number"] for d in listed.json()["items"]] == ["SN-OWN"]
    # Filters cannot widen the scope.
    for params in (
        {"customer_id": str(other.customer_id)},
        {"serial_number": "SN-OTHER"},
        {"q": "SN"},
        {"sort": "-serial_number", "limit": 200},
    ):
        found = await client.get(URL, params=params, headers=headers)
        assert {d["id"] for d in found.json()["items"]} <= {str(own.id)}, params

    got = await client.get(f"{URL}/{own.id}", headers=headers)
    assert got.status_code == 200
    assert got.json()["allowed_actions"] == []
    warranty = await client.get(f"{URL}/{own.id}/warranty?on=2026-06-30", headers=headers)
    assert warranty.json()["in_warranty"] is True
    timeline = await client.get(f"{URL}/{own.id}/timeline", headers=headers)
    assert timeline.status_code == 200


async def test_another_companys_device_is_indistinguishable_from_a_missing_one(
    client, factory, users, two_companies
):
    _, other = two_companies
    headers = factory.headers(users["customer"])
    for suffix in ("", "/warranty", "/timeline"):
        hidden = await client.get(f"{URL}/{other.id}{suffix}", headers=headers)
        missing = await client.get(f"{URL}/{uuid.uuid4()}{suffix}", headers=headers)
        assert assert_problem(hidden, 404)["detail"] == assert_problem(missing, 404)["detail"]


async def test_customer_user_cannot_register_or_change_its_own_devices(
    client, factory, users, two_companies
):
    own, _ = two_companies
    me = users["customer"]
    created = await client.post(
        URL,
        json={"customer_id": str(me.customer_id), "serial_number": "SN-X", "model": "M"},
        headers=factory.headers(me),
    )
    assert_problem(created, 403, "forbidden")
    patched = await client.patch(
        f"{URL}/{own.id}",
        json={"model": "Mine"},
        headers=factory.headers(me, **{"If-Match": '"1"'}),
    )
    assert_problem(patched, 403, "forbidden")
    listed = await client.get(URL, headers=factory.headers(me))
    assert [(d["model"], d["version"]) for d in listed.json()["items"]] == [("M1", 1)]


async def test_engineer_reads_but_is_offered_no_actions(client, factory, users, two_companies):
    own, _ = two_companies
    response = await client.get(f"{URL}/{own.id}", headers=factory.headers(users["engineer"]))
    assert response.status_code == 200
    assert response.json()["allowed_actions"] == []
