"""Bearer access tokens are checked strictly, and the caller is re-read on every request."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

from jose import jwt

from app.config import DEV_SECRET_KEY
from tests.auth.helpers import ME_URL, bearer, login
from tests.support import assert_problem

USERS_URL = "/api/v1/users"


def claims_for(user_id, **overrides):
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "iss": "aftercare",
        "aud": "aftercare-api",
        "typ": "access",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def sign(claims, key=DEV_SECRET_KEY, algorithm="HS256"):
    return jwt.encode(claims, key, algorithm=algorithm)


def unsigned(claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_a_well_formed_token_is_accepted(client, users):
    """The control case: the hand-built token below differs from it in one thing only."""
    response = await client.get(ME_URL, headers=bearer(sign(claims_for(users["clerk"].id))))
    assert response.status_code == 200, response.text


BAD_TOKENS = {
    "alg-none": lambda uid: unsigned(claims_for(uid)),
    "wrong-key": lambda uid: sign(claims_for(uid), key="another-key-" + "x" * 40),
    "other-hmac-alg": lambda uid: sign(claims_for(uid), algorithm="HS512"),
    "wrong-audience": lambda uid: sign(claims_for(uid, aud="someone-else")),
    "wrong-issuer": lambda uid: sign(claims_for(uid, iss="evil")),
    "no-audience": lambda uid: sign(claims_for(uid, aud=None)),
    "no-issuer": lambda uid: sign(claims_for(uid, iss=None)),
    "no-exp": lambda uid: sign(claims_for(uid, exp=None)),
    "no-iat": lambda uid: sign(claims_for(uid, iat=None)),
    "no-sub": lambda uid: sign(claims_for(uid, sub=None)),
    "no-typ": lambda uid: sign(claims_for(uid, typ=None)),
    "not-an-access-token": lambda uid: sign(claims_for(uid, typ="refresh")),
    "expired": lambda uid: sign(
        claims_for(
            uid,
            iat=int((datetime.now(UTC) - timedelta(hours=1)).timestamp()),
            exp=int((datetime.now(UTC) - timedelta(seconds=5)).timestamp()),
        )
    ),
    "sub-not-a-uuid": lambda uid: sign(claims_for("not-a-uuid")),
    "sub-not-a-string": lambda uid: sign(claims_for(12345)),
    "sub-unknown-user": lambda uid: sign(claims_for(uuid.uuid4())),
    "sid-not-a-uuid": lambda uid: sign(claims_for(uid, sid="not-a-uuid")),
    "sid-names-no-login": lambda uid: sign(claims_for(uid, sid=str(uuid.uuid4()))),
    "exp-not-a-number": lambda uid: sign(claims_for(uid, exp="tomorrow")),
    "garbage": lambda uid: "not.a.jwt",
    "empty": lambda uid: "",
}


async def test_bad_access_tokens_are_401_problems(client, factory, subtests):
    supervisor = await factory.user("supervisor")
    for case, make_token in BAD_TOKENS.items():
        with subtests.test(case):
            token = make_token(supervisor.id)
            response = await client.get(ME_URL, headers={"Authorization": f"Bearer {token}"})
            body = assert_problem(response, 401, "not_authenticated")
            assert "bearer" in response.headers["www-authenticate"].lower()
            assert "Traceback" not in body["detail"]


async def test_a_token_naming_another_users_login_is_401(client, users):
    """A login id (sid) must belong to the token's subject: one user's live login id cannot
    carry another user's token."""
    someone = await login(client, users["engineer"].email)
    sid = jwt.get_unverified_claims(someone["access_token"])["sid"]
    token = sign(claims_for(users["supervisor"].id, sid=sid))
    assert_problem(await client.get(ME_URL, headers=bearer(token)), 401, "not_authenticated")
    # the control case: the same sid with its own user is fine
    own = sign(claims_for(users["engineer"].id, sid=sid))
    assert (await client.get(ME_URL, headers=bearer(own))).status_code == 200


async def test_missing_or_non_bearer_authorization_is_401(client, users):
    assert_problem(await client.get(ME_URL), 401, "not_authenticated")
    basic = {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()}
    assert_problem(await client.get(ME_URL, headers=basic), 401, "not_authenticated")


async def test_a_refresh_token_is_not_an_access_token(client, users):
    tokens = await login(client, users["clerk"].email)
    assert_problem(await client.get(ME_URL, headers=bearer(tokens["refresh_token"])), 401)


async def demote(client, factory, supervisor, user, **changes):
    current = await client.get(f"{USERS_URL}/{user.id}", headers=factory.headers(supervisor))
    response = await client.patch(
        f"{USERS_URL}/{user.id}",
        json=changes,
        headers=factory.headers(supervisor, **{"If-Match": current.headers["etag"]}),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_demoted_clerk_loses_clerk_powers_with_the_token_it_holds(client, factory, users):
    clerk = users["clerk"]
    token = (await login(client, clerk.email))["access_token"]
    assert (await client.get(USERS_URL, headers=bearer(token))).status_code == 200

    await demote(client, factory, users["supervisor"], clerk, role="engineer")

    assert_problem(await client.get(USERS_URL, headers=bearer(token)), 403, "forbidden")
    me = await client.get(ME_URL, headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["role"] == "engineer"


async def test_promoted_engineer_gains_powers_at_once(client, factory, users):
    engineer = users["engineer"]
    token = (await login(client, engineer.email))["access_token"]
    assert_problem(await client.get(USERS_URL, headers=bearer(token)), 403)
    await demote(client, factory, users["supervisor"], engineer, role="clerk")
    assert (await client.get(USERS_URL, headers=bearer(token))).status_code == 200


async def test_deactivated_user_is_locked_out_at_once(client, factory, users):
    clerk = users["clerk"]
    token = (await login(client, clerk.email))["access_token"]
    await demote(client, factory, users["supervisor"], clerk, active=False)
    assert_problem(await client.get(ME_URL, headers=bearer(token)), 401, "not_authenticated")
    assert_problem(await client.get(USERS_URL, headers=bearer(token)), 401)


async def test_reactivated_user_can_log_in_again(client, factory, users):
    clerk = users["clerk"]
    await demote(client, factory, users["supervisor"], clerk, active=False)
    await demote(client, factory, users["supervisor"], clerk, active=True)
    await login(client, clerk.email)


async def test_reactivation_does_not_revive_old_sessions(client, factory, users):
    """A user disabled because a laptop was stolen: the laptop's login must stay dead."""
    clerk = users["clerk"]
    stolen = await login(client, clerk.email)
    await demote(client, factory, users["supervisor"], clerk, active=False)
    await demote(client, factory, users["supervisor"], clerk, active=True)
    assert_problem(await client.get(ME_URL, headers=bearer(stolen["access_token"])), 401)
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": stolen["refresh_token"]}
    )
    assert_problem(refreshed, 401, "invalid_grant")
    fresh = await login(client, clerk.email)
    assert (await client.get(ME_URL, headers=bearer(fresh["access_token"]))).status_code == 200
