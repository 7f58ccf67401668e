"""POST /api/v1/auth/token with grant_type=password: people logging in (Swagger, SPA, app)."""

import pytest

from app.db.models import Role
from tests.auth.helpers import ME_URL, TOKEN_URL, bearer, login, password_grant
from tests.support import PASSWORD, assert_problem


async def test_password_grant_returns_tokens_that_open_users_me(client, users):
    clerk = users["clerk"]
    response = await password_grant(client, clerk.email)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"] and body["refresh_token"]
    assert body["expires_in"] == 15 * 60
    assert body["refresh_expires_in"] == 14 * 24 * 3600
    assert response.headers["cache-control"] == "no-store"

    me = await client.get(ME_URL, headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == str(clerk.id)
    assert me.json()["role"] == "clerk"
    assert me.json()["last_login_at"] is not None


async def test_swagger_form_without_grant_type_is_a_password_login(client, users):
    response = await client.post(
        TOKEN_URL, data={"username": users["engineer"].email, "password": PASSWORD, "scope": ""}
    )
    assert response.status_code == 200, response.text


async def test_email_is_matched_case_insensitively(client, users):
    body = await login(client, users["supervisor"].email.upper())
    assert (await client.get(ME_URL, headers=bearer(body["access_token"]))).status_code == 200


async def test_wrong_password_and_unknown_email_get_the_identical_answer(client, users):
    wrong = assert_problem(await password_grant(client, users["clerk"].email, "nope-nope"), 401)
    unknown = assert_problem(await password_grant(client, "ghost@test.local", PASSWORD), 401)
    assert wrong == unknown
    assert wrong["code"] == "invalid_grant"
    assert "password" in wrong["detail"].lower()


async def test_disabled_user_cannot_log_in(client, factory, users):
    disabled = await factory.user(Role.clerk, active=False)
    body = assert_problem(await password_grant(client, disabled.email), 401, "invalid_grant")
    unknown = assert_problem(await password_grant(client, "ghost@test.local"), 401)
    assert body == unknown


async def test_service_account_cannot_use_the_password_grant(client, factory):
    robot = await factory.user(Role.clerk, service_account=True)  # factory gives it a password
    assert_problem(await password_grant(client, robot.email), 401, "invalid_grant")


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"grant_type": "password"},
        {"grant_type": "password", "username": "clerk@test.local"},
        {"grant_type": "password", "password": PASSWORD},
        {"grant_type": "password", "username": "", "password": ""},
    ],
)
async def test_missing_fields_are_a_validation_problem(client, form):
    body = assert_problem(await client.post(TOKEN_URL, data=form), 422, "validation_error")
    assert body["errors"]


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "refresh_token", "username": "a@b.c", "password": PASSWORD},
        {"grant_type": "password", "username": "a" * 255, "password": PASSWORD},
        {"grant_type": "password", "username": "a@b.c", "password": "p" * 201},
    ],
)
async def test_bad_form_values_are_a_validation_problem(client, form):
    assert_problem(await client.post(TOKEN_URL, data=form), 422, "validation_error")


@pytest.mark.parametrize("field", ["username", "password"])
async def test_nul_characters_are_refused_not_a_server_error(client, users, field):
    form = {"grant_type": "password", "username": users["clerk"].email, "password": PASSWORD}
    form[field] += "\x00"
    assert_problem(await client.post(TOKEN_URL, data=form), 422, "validation_error")


async def test_json_body_instead_of_a_form_is_refused(client, users):
    response = await client.post(
        TOKEN_URL,
        json={"grant_type": "password", "username": users["clerk"].email, "password": PASSWORD},
    )
    body = assert_problem(response, 415, "unsupported_media_type")
    assert "x-www-form-urlencoded" in body["detail"]


async def test_other_content_types_are_refused(client, users):
    form = f"grant_type=password&username={users['clerk'].email}&password={PASSWORD}"
    response = await client.post(
        TOKEN_URL, content=form.encode(), headers={"Content-Type": "text/plain"}
    )
    assert_problem(response, 415, "unsupported_media_type")


async def test_empty_post_is_a_validation_problem(client):
    assert_problem(await client.post(TOKEN_URL), 422, "validation_error")


async def test_multipart_form_also_works(client, users):
    response = await client.post(
        TOKEN_URL,
        files={"username": (None, users["clerk"].email), "password": (None, PASSWORD)},
    )
    assert response.status_code == 200, response.text


async def test_each_login_is_its_own_session(client, users):
    first = await login(client, users["clerk"].email)
    second = await login(client, users["clerk"].email)
    assert first["access_token"] != second["access_token"]
    assert first["refresh_token"] != second["refresh_token"]


async def test_logging_in_does_not_make_a_held_etag_stale(client, factory, users):
    clerk, supervisor = users["clerk"], users["supervisor"]
    before = await client.get(f"/api/v1/users/{clerk.id}", headers=factory.headers(supervisor))
    await login(client, clerk.email)
    after = await client.get(f"/api/v1/users/{clerk.id}", headers=factory.headers(supervisor))
    assert after.json()["last_login_at"] is not None
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json()["updated_at"] == before.json()["updated_at"]
    patch = await client.patch(
        f"/api/v1/users/{clerk.id}",
        json={"name": "Renamed"},
        headers=factory.headers(supervisor, **{"If-Match": before.headers["etag"]}),
    )
    assert patch.status_code == 200, patch.text
