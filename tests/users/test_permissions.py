"""Who may do what on /users: the permission matrix for every endpoint and every role."""

import pytest

from tests.support import assert_problem

USERS_URL = "/api/v1/users"
ROLES = ["customer", "engineer", "clerk", "supervisor"]


async def call(client, users, endpoint, headers, label="x"):
    """Call one /users endpoint with the given auth headers; `label` keeps created emails apart."""
    target = users["engineer"]
    if endpoint == "list":
        return await client.get(USERS_URL, headers=headers)
    if endpoint == "get":
        return await client.get(f"{USERS_URL}/{target.id}", headers=headers)
    if endpoint == "create":
        body = {
            "email": f"new-{label}@test.local",
            "name": "New",
            "role": "engineer",
            "password": "a-long-password",
        }
        return await client.post(USERS_URL, json=body, headers=headers)
    if endpoint == "patch":
        return await client.patch(
            f"{USERS_URL}/{target.id}",
            json={"name": f"Renamed by {label}"},
            headers={**headers, "If-Match": '"1"'},
        )
    if endpoint == "client-secret":
        robot = users["robot"]
        return await client.post(f"{USERS_URL}/{robot.id}/client-secret", headers=headers)
    if endpoint == "me":
        return await client.get(f"{USERS_URL}/me", headers=headers)
    raise AssertionError(endpoint)


MATRIX = {
    "list": ({"clerk", "supervisor"}, 200),
    "get": ({"clerk", "supervisor"}, 200),
    "create": ({"supervisor"}, 201),
    "patch": ({"supervisor"}, 200),
    "client-secret": ({"supervisor"}, 200),
    "me": (set(ROLES), 200),
}


@pytest.fixture
async def everyone(factory, users):
    users = dict(users)
    users["robot"] = await factory.user("clerk", service_account=True, client_secret_hash="x")
    return users


@pytest.mark.parametrize("endpoint", list(MATRIX))
async def test_permission_matrix(client, factory, everyone, endpoint, subtests):
    allowed, success = MATRIX[endpoint]
    for role in ROLES:  # the supervisor (allowed everything) goes last: refusals change nothing
        with subtests.test(role):
            headers = factory.headers(everyone[role])
            response = await call(client, everyone, endpoint, headers, role)
            if role in allowed:
                assert response.status_code == success, response.text
            else:
                assert_problem(response, 403, "forbidden")


@pytest.mark.parametrize("endpoint", list(MATRIX))
async def test_every_endpoint_needs_a_token(client, everyone, endpoint):
    response = await call(client, everyone, endpoint, headers={})
    assert_problem(response, 401, "not_authenticated")


async def test_refused_writes_change_nothing(client, factory, everyone):
    for role in ("customer", "engineer", "clerk"):
        headers = factory.headers(everyone[role])
        assert (await call(client, everyone, "create", headers, role)).status_code == 403
        assert (await call(client, everyone, "patch", headers, role)).status_code == 403
    target = await client.get(
        f"{USERS_URL}/{everyone['engineer'].id}", headers=factory.headers(everyone["supervisor"])
    )
    assert target.json()["name"] == everyone["engineer"].name
    assert target.json()["version"] == 1
    listed = await client.get(USERS_URL, headers=factory.headers(everyone["supervisor"]))
    assert not any(u["email"].startswith("new-") for u in listed.json()["items"])


async def test_unknown_user_is_404(client, factory, users):
    headers = factory.headers(users["supervisor"])
    missing = "00000000-0000-0000-0000-000000000000"
    assert_problem(await client.get(f"{USERS_URL}/{missing}", headers=headers), 404, "not_found")
    patch = await client.patch(
        f"{USERS_URL}/{missing}", json={"name": "x"}, headers={**headers, "If-Match": '"1"'}
    )
    assert_problem(patch, 404, "not_found")
    rotate = await client.post(f"{USERS_URL}/{missing}/client-secret", headers=headers)
    assert_problem(rotate, 404, "not_found")


async def test_malformed_user_id_is_422(client, factory, users):
    response = await client.get(f"{USERS_URL}/not-a-uuid", headers=factory.headers(users["clerk"]))
    assert_problem(response, 422, "validation_error")


async def test_allowed_actions_follow_the_caller(client, factory, everyone):
    target = everyone["robot"]
    as_supervisor = await client.get(
        f"{USERS_URL}/{target.id}", headers=factory.headers(everyone["supervisor"])
    )
    assert set(as_supervisor.json()["allowed_actions"]) == {"update", "rotate_client_secret"}
    as_clerk = await client.get(
        f"{USERS_URL}/{target.id}", headers=factory.headers(everyone["clerk"])
    )
    assert as_clerk.json()["allowed_actions"] == []
    me = await client.get(f"{USERS_URL}/me", headers=factory.headers(everyone["customer"]))
    assert me.json()["allowed_actions"] == []
