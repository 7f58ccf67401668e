"""Service accounts (integrations) log in with the OAuth2 client-credentials grant."""

import base64

import pytest

from tests.auth.helpers import ME_URL, TOKEN_URL, bearer, password_grant
from tests.support import PASSWORD, assert_problem

USERS_URL = "/api/v1/users"


async def create_service_account(client, factory, supervisor, **fields):
    body = {"email": "erp@test.local", "name": "ERP", "role": "clerk", "service_account": True}
    response = await client.post(
        USERS_URL, json={**body, **fields}, headers=factory.headers(supervisor)
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def credentials_form(client_id: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


@pytest.fixture
async def robot(client, factory, users):
    return await create_service_account(client, factory, users["supervisor"])


async def test_supervisor_creates_a_service_account_and_sees_its_secret_once(
    client, factory, users, robot
):
    assert robot["service_account"] is True
    assert robot["client_secret"]
    assert "rotate_client_secret" in robot["allowed_actions"]
    read = await client.get(f"{USERS_URL}/{robot['id']}", headers=factory.headers(users["clerk"]))
    assert read.status_code == 200
    assert "client_secret" not in read.json()
    assert "client_secret_hash" not in read.json()


async def test_service_account_may_not_have_a_password(client, factory, users):
    response = await client.post(
        USERS_URL,
        json={
            "email": "erp@test.local",
            "name": "ERP",
            "role": "clerk",
            "service_account": True,
            "password": PASSWORD,
        },
        headers=factory.headers(users["supervisor"]),
    )
    assert_problem(response, 422, "validation_error")


async def test_client_credentials_in_the_form_give_a_working_access_token(client, robot):
    response = await client.post(
        TOKEN_URL, data=credentials_form(robot["id"], robot["client_secret"])
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"] is None
    assert response.headers["cache-control"] == "no-store"
    me = await client.get(ME_URL, headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == robot["id"]
    assert me.json()["service_account"] is True
    # the token carries the account's role
    listed = await client.get(USERS_URL, headers=bearer(body["access_token"]))
    assert listed.status_code == 200


async def test_client_credentials_with_http_basic(client, robot):
    response = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers=basic(robot["id"], robot["client_secret"]),
    )
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] is None
    me = await client.get(ME_URL, headers=bearer(response.json()["access_token"]))
    assert me.json()["id"] == robot["id"]


async def test_wrong_secret_is_refused(client, robot):
    wrong = await client.post(TOKEN_URL, data=credentials_form(robot["id"], "not-the-secret"))
    body = assert_problem(wrong, 401, "invalid_grant")
    via_basic = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers=basic(robot["id"], "not-the-secret"),
    )
    assert assert_problem(via_basic, 401, "invalid_grant") == body


async def test_unknown_or_malformed_client_id_gets_the_same_answer(client, robot):
    wrong = assert_problem(
        await client.post(TOKEN_URL, data=credentials_form(robot["id"], "nope")), 401
    )
    unknown = assert_problem(
        await client.post(
            TOKEN_URL,
            data=credentials_form("00000000-0000-0000-0000-000000000000", "nope"),
        ),
        401,
    )
    malformed = assert_problem(
        await client.post(TOKEN_URL, data=credentials_form("not-a-uuid", "nope")), 401
    )
    assert wrong == unknown == malformed


async def test_rotating_the_secret_invalidates_the_old_one(client, factory, users, robot):
    old = robot["client_secret"]
    rotated = await client.post(
        f"{USERS_URL}/{robot['id']}/client-secret", headers=factory.headers(users["supervisor"])
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    new = rotated.json()["client_secret"]
    assert rotated.json()["client_id"] == robot["id"]
    assert new != old
    assert_problem(
        await client.post(TOKEN_URL, data=credentials_form(robot["id"], old)), 401, "invalid_grant"
    )
    ok = await client.post(TOKEN_URL, data=credentials_form(robot["id"], new))
    assert ok.status_code == 200, ok.text


async def test_rotation_honours_if_match(client, factory, users, robot):
    url = f"{USERS_URL}/{robot['id']}/client-secret"
    headers = factory.headers(users["supervisor"])
    stale = await client.post(url, headers={**headers, "If-Match": '"99"'})
    assert_problem(stale, 412, "precondition_failed")
    # the secret did not change
    ok = await client.post(TOKEN_URL, data=credentials_form(robot["id"], robot["client_secret"]))
    assert ok.status_code == 200
    current = await client.post(url, headers={**headers, "If-Match": f'"{robot["version"]}"'})
    assert current.status_code == 200, current.text


async def test_human_user_cannot_use_client_credentials(client, factory, users):
    clerk = users["clerk"]
    response = await client.post(TOKEN_URL, data=credentials_form(str(clerk.id), PASSWORD))
    assert_problem(response, 401, "invalid_grant")
    rotate = await client.post(
        f"{USERS_URL}/{clerk.id}/client-secret", headers=factory.headers(users["supervisor"])
    )
    assert_problem(rotate, 409)


async def test_service_account_cannot_use_the_password_grant(client, robot):
    assert_problem(
        await password_grant(client, robot["email"], robot["client_secret"]), 401, "invalid_grant"
    )


async def test_deactivated_service_account_is_refused_and_its_token_dies(
    client, factory, users, robot
):
    token = (
        await client.post(TOKEN_URL, data=credentials_form(robot["id"], robot["client_secret"]))
    ).json()["access_token"]
    patch = await client.patch(
        f"{USERS_URL}/{robot['id']}",
        json={"active": False},
        headers=factory.headers(users["supervisor"], **{"If-Match": f'"{robot["version"]}"'}),
    )
    assert patch.status_code == 200, patch.text
    assert_problem(await client.get(ME_URL, headers=bearer(token)), 401)
    assert_problem(
        await client.post(TOKEN_URL, data=credentials_form(robot["id"], robot["client_secret"])),
        401,
        "invalid_grant",
    )


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials"},
        {"grant_type": "client_credentials", "client_id": "x"},
        {"grant_type": "client_credentials", "client_secret": "x"},
        {"grant_type": "client_credentials", "client_id": "x" * 101, "client_secret": "x"},
        {"grant_type": "client_credentials", "client_id": "x\x00", "client_secret": "x"},
    ],
)
async def test_missing_or_bad_client_fields_are_a_validation_problem(client, form):
    assert_problem(await client.post(TOKEN_URL, data=form), 422, "validation_error")


@pytest.mark.parametrize(
    "credentials", [("x" * 101, "secret"), ("id", "s" * 201), ("id\x00", "secret")]
)
async def test_bad_http_basic_credentials_are_a_validation_problem(client, credentials):
    response = await client.post(
        TOKEN_URL, data={"grant_type": "client_credentials"}, headers=basic(*credentials)
    )
    assert_problem(response, 422, "validation_error")


async def test_undecodable_http_basic_is_a_401_problem(client):
    response = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic %%%not-base64"},
    )
    assert_problem(response, 401)
