"""/users/me and POST /users/me/password: every user's own account."""

from tests.auth.helpers import ME_URL, bearer, login, me_status, password_grant
from tests.support import PASSWORD, assert_problem

PASSWORD_URL = "/api/v1/users/me/password"
NEW_PASSWORD = "a-brand-new-passphrase"


async def test_me_returns_the_caller_with_an_etag(client, factory, users, subtests):
    for role, user in users.items():
        with subtests.test(role):
            response = await client.get(ME_URL, headers=factory.headers(user))
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["id"], body["email"], body["role"]) == (str(user.id), user.email, role)
            assert body["customer_id"] == (str(user.customer_id) if user.customer_id else None)
            assert response.headers["etag"] == f'"{body["version"]}"'
            assert "password_hash" not in body


async def change_password(client, access_token, current, new):
    return await client.post(
        PASSWORD_URL,
        json={"current_password": current, "new_password": new},
        headers=bearer(access_token),
    )


async def test_wrong_current_password_is_422_and_changes_nothing(client, users):
    tokens = await login(client, users["engineer"].email)
    response = await change_password(
        client, tokens["access_token"], "not-my-password", NEW_PASSWORD
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"] == [{"field": "current_password", "message": "is incorrect"}]
    await login(client, users["engineer"].email, PASSWORD)
    assert_problem(await password_grant(client, users["engineer"].email, NEW_PASSWORD), 401)
    assert await me_status(client, tokens["access_token"]) == 200


async def test_changing_the_password_ends_the_other_sessions_only(client, users):
    email = users["engineer"].email
    here = await login(client, email)
    elsewhere = await login(client, email)

    response = await change_password(client, here["access_token"], PASSWORD, NEW_PASSWORD)
    assert response.status_code == 204, response.text

    assert_problem(await password_grant(client, email, PASSWORD), 401, "invalid_grant")
    await login(client, email, NEW_PASSWORD)
    # the other login is over, access and refresh token alike
    assert await me_status(client, elsewhere["access_token"]) == 401
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]}
    )
    assert_problem(refreshed, 401, "invalid_grant")
    # the session that changed the password goes on
    assert await me_status(client, here["access_token"]) == 200
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": here["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text


BAD_PASSWORD_BODIES = {
    "too-short": {"current_password": PASSWORD, "new_password": "short"},
    "too-long": {"current_password": PASSWORD, "new_password": "p" * 201},
    "missing-new": {"current_password": PASSWORD},
    "missing-current": {"new_password": NEW_PASSWORD},
    "unknown-field": {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "x": 1},
    "wrong-type": {"current_password": PASSWORD, "new_password": 12345678},
    "nul": {"current_password": PASSWORD, "new_password": "nul\x00-password"},
}


async def test_bad_password_bodies_are_422_and_change_nothing(client, factory, users, subtests):
    user = users["clerk"]
    for case, body in BAD_PASSWORD_BODIES.items():
        with subtests.test(case):
            response = await client.post(PASSWORD_URL, json=body, headers=factory.headers(user))
            assert_problem(response, 422, "validation_error")
    await login(client, user.email, PASSWORD)


async def test_service_account_has_no_password_to_change(client, factory):
    robot = await factory.user("clerk", service_account=True)
    response = await client.post(
        PASSWORD_URL,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=factory.headers(robot),
    )
    assert_problem(response, 422, "validation_error")


async def test_password_change_needs_a_token(client):
    response = await client.post(
        PASSWORD_URL, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert_problem(response, 401, "not_authenticated")
