"""Supervisors create and change users; bad input is a 4xx problem and changes nothing."""

import asyncio

import pytest

from tests.auth.helpers import login, password_grant
from tests.support import assert_problem

USERS_URL = "/api/v1/users"


def new_user(**fields):
    return {
        "email": "new.engineer@test.local",
        "name": "New Engineer",
        "role": "engineer",
        "password": "a-long-password",
        **fields,
    }


async def create(client, factory, supervisor, body):
    return await client.post(USERS_URL, json=body, headers=factory.headers(supervisor))


async def read(client, factory, users, user_id):
    response = await client.get(f"{USERS_URL}/{user_id}", headers=factory.headers(users["clerk"]))
    assert response.status_code == 200, response.text
    return response


async def all_emails(client, factory, users):
    response = await client.get(
        USERS_URL, params={"limit": 200}, headers=factory.headers(users["supervisor"])
    )
    return {u["email"] for u in response.json()["items"]}


async def test_created_user_can_log_in(client, factory, users):
    response = await create(client, factory, users["supervisor"], new_user())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "new.engineer@test.local"
    assert body["role"] == "engineer"
    assert body["active"] is True
    assert body["version"] == 1
    assert body["client_secret"] is None
    assert "password" not in body and "password_hash" not in body
    assert response.headers["etag"] == '"1"'
    assert (await read(client, factory, users, body["id"])).json() == {
        **{k: v for k, v in body.items() if k != "client_secret"},
        "allowed_actions": [],
    }
    await login(client, "new.engineer@test.local", "a-long-password")


async def test_email_is_stored_lower_case_and_login_is_case_insensitive(client, factory, users):
    response = await create(
        client, factory, users["supervisor"], new_user(email="Mixed.Case@Test.Local")
    )
    assert response.json()["email"] == "mixed.case@test.local"
    await login(client, "MIXED.case@test.local", "a-long-password")


async def test_customer_user_belongs_to_a_customer(client, factory, users):
    company = await factory.customer()
    response = await create(
        client,
        factory,
        users["supervisor"],
        new_user(role="customer", customer_id=str(company.id)),
    )
    assert response.status_code == 201, response.text
    assert response.json()["customer_id"] == str(company.id)


async def test_customer_user_without_customer_id_is_refused(client, factory, users):
    response = await create(client, factory, users["supervisor"], new_user(role="customer"))
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "customer_id"
    assert "new.engineer@test.local" not in await all_emails(client, factory, users)


async def test_customer_user_with_an_unknown_customer_is_refused(client, factory, users):
    response = await create(
        client,
        factory,
        users["supervisor"],
        new_user(role="customer", customer_id="00000000-0000-0000-0000-000000000000"),
    )
    assert_problem(response, 422, "validation_error")


async def test_staff_user_must_not_have_a_customer_id(client, factory, users, subtests):
    company = await factory.customer()
    for role in ("engineer", "clerk", "supervisor"):
        with subtests.test(role):
            body = new_user(role=role, customer_id=str(company.id))
            response = await create(client, factory, users["supervisor"], body)
            assert_problem(response, 422, "validation_error")
    assert "new.engineer@test.local" not in await all_emails(client, factory, users)


async def test_duplicate_email_is_409_in_any_case(client, factory, users):
    existing = users["clerk"].email
    response = await create(client, factory, users["supervisor"], new_user(email=existing))
    body = assert_problem(response, 409, "conflict")
    assert body["field"] == "email"
    shouted = await create(client, factory, users["supervisor"], new_user(email=existing.upper()))
    assert_problem(shouted, 409, "conflict")


BAD_CREATE_BODIES = {
    "unknown-field": new_user(extra="x"),
    "sneaky-hash": new_user(password_hash="x"),
    "unknown-field-active": new_user(active="maybe"),
    "bad-role": new_user(role="admin"),
    "null-role": new_user(role=None),
    "empty-name": new_user(name=""),
    "blank-name": new_user(name="   "),
    "long-name": new_user(name="n" * 201),
    "name-not-a-string": new_user(name=123),
    "nul-in-name": new_user(name="Bad\x00Name"),
    "bad-email": new_user(email="not-an-email"),
    "long-email": new_user(email="a" * 250 + "@x.io"),
    "nul-in-email": new_user(email="nul\x00@test.local"),
    "short-password": new_user(password="short"),
    "long-password": new_user(password="p" * 201),
    "no-password": new_user(password=None),
    "bad-customer-id": new_user(customer_id="not-a-uuid"),
    "bad-bool": new_user(service_account="yes please"),
    "missing-fields": {"email": "x@test.local"},
    "not-an-object": ["email", "x@test.local"],
}


async def test_bad_create_bodies_are_422_and_create_nothing(client, factory, users, subtests):
    before = await all_emails(client, factory, users)
    for case, body in BAD_CREATE_BODIES.items():
        with subtests.test(case):
            response = await create(client, factory, users["supervisor"], body)
            problem = assert_problem(response, 422, "validation_error")
            assert problem["errors"]
    assert await all_emails(client, factory, users) == before


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[]", "application/json", 422),
        (b"email=x@test.local", "application/x-www-form-urlencoded", 415),
        (b"hello", "text/plain", 415),
    ],
)
async def test_malformed_bodies_are_4xx_problems(
    client, factory, users, content, content_type, status
):
    response = await client.post(
        USERS_URL,
        content=content,
        headers=factory.headers(users["supervisor"], **{"Content-Type": content_type}),
    )
    assert_problem(response, status)


async def patch(client, factory, users, target_id, body, if_match, actor="supervisor"):
    headers = factory.headers(users[actor])
    if if_match is not None:
        headers["If-Match"] = if_match
    return await client.patch(f"{USERS_URL}/{target_id}", json=body, headers=headers)


async def test_patch_changes_name_role_and_active_and_bumps_the_version(client, factory, users):
    target = users["engineer"]
    response = await patch(
        client, factory, users, target.id, {"name": "Renamed", "role": "clerk"}, '"1"'
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["role"], body["version"]) == ("Renamed", "clerk", 2)
    assert response.headers["etag"] == '"2"'
    again = await read(client, factory, users, target.id)
    assert again.json()["name"] == "Renamed"
    assert again.headers["etag"] == '"2"'


async def test_patch_without_if_match_is_428(client, factory, users):
    target = users["engineer"]
    response = await patch(client, factory, users, target.id, {"name": "Renamed"}, None)
    assert_problem(response, 428, "precondition_required")
    assert (await read(client, factory, users, target.id)).json()["name"] == target.name


async def test_patch_with_a_stale_if_match_is_412(client, factory, users, subtests):
    target = users["engineer"]
    for if_match in ('"2"', '"0"', '"7"'):
        with subtests.test(if_match):
            response = await patch(client, factory, users, target.id, {"name": "X"}, if_match)
            body = assert_problem(response, 412, "precondition_failed")
            assert body["current_version"] == 1
    assert (await read(client, factory, users, target.id)).json()["name"] == target.name


async def test_patch_with_a_malformed_if_match_is_4xx(client, factory, users, subtests):
    target = users["engineer"]
    for if_match in ("*", "abc", '"one"', '"99999999999"'):
        with subtests.test(if_match):
            response = await patch(client, factory, users, target.id, {"name": "X"}, if_match)
            assert 400 <= response.status_code < 500
            assert_problem(response, response.status_code)
    assert (await read(client, factory, users, target.id)).json()["name"] == target.name


BAD_PATCH_BODIES = {
    "email-not-patchable": {"email": "changed@test.local"},
    "password-not-patchable": {"password": "a-long-password"},
    "service-account-not-patchable": {"service_account": True},
    "unknown-field": {"nickname": "x"},
    "bad-role": {"role": "root"},
    "null-role": {"role": None},
    "null-name": {"name": None},
    "null-active": {"active": None},
    "bad-bool": {"active": "nope"},
    "long-name": {"name": "x" * 201},
    "empty-name": {"name": ""},
    "nul": {"name": "a\x00b"},
    "wrong-type": {"name": ["list"]},
    "bad-uuid": {"customer_id": "nope"},
    "not-an-object": [{"name": "x"}],
}


async def test_bad_patch_bodies_are_422_and_change_nothing(client, factory, users, subtests):
    target = users["engineer"]
    before = (await read(client, factory, users, target.id)).json()
    for case, body in BAD_PATCH_BODIES.items():
        with subtests.test(case):
            response = await patch(client, factory, users, target.id, body, '"1"')
            assert_problem(response, 422, "validation_error")
            assert (await read(client, factory, users, target.id)).json() == before


async def test_empty_patch_changes_nothing(client, factory, users):
    target = users["engineer"]
    response = await patch(client, factory, users, target.id, {}, '"1"')
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 1


async def test_making_a_staff_user_a_customer_needs_a_customer_id(client, factory, users):
    target = users["engineer"]
    response = await patch(client, factory, users, target.id, {"role": "customer"}, '"1"')
    assert_problem(response, 422, "validation_error")
    assert (await read(client, factory, users, target.id)).json()["role"] == "engineer"
    company = await factory.customer()
    response = await patch(
        client,
        factory,
        users,
        target.id,
        {"role": "customer", "customer_id": str(company.id)},
        '"1"',
    )
    assert response.status_code == 200, response.text
    assert response.json()["customer_id"] == str(company.id)


async def test_making_a_customer_staff_drops_the_customer_link(client, factory, users):
    target = users["customer"]
    response = await patch(client, factory, users, target.id, {"role": "engineer"}, '"1"')
    assert response.status_code == 200, response.text
    assert response.json()["customer_id"] is None


async def test_staff_user_cannot_get_a_customer_id(client, factory, users):
    company = await factory.customer()
    target = users["engineer"]
    response = await patch(
        client, factory, users, target.id, {"customer_id": str(company.id)}, '"1"'
    )
    assert_problem(response, 422, "validation_error")
    assert (await read(client, factory, users, target.id)).json()["customer_id"] is None


async def test_customer_user_cannot_lose_its_customer(client, factory, users):
    target = users["customer"]
    response = await patch(client, factory, users, target.id, {"customer_id": None}, '"1"')
    assert_problem(response, 422, "validation_error")
    assert (await read(client, factory, users, target.id)).json()["customer_id"] == str(
        target.customer_id
    )


async def test_supervisor_cannot_demote_or_deactivate_themselves(client, factory, users, subtests):
    me = users["supervisor"]
    for body in ({"role": "clerk"}, {"active": False}, {"role": "customer", "active": False}):
        with subtests.test(str(body)):
            response = await patch(client, factory, users, me.id, body, '"1"')
            assert_problem(response, 409, "conflict")
    after = (await read(client, factory, users, me.id)).json()
    assert (after["role"], after["active"], after["version"]) == ("supervisor", True, 1)


async def test_supervisor_may_rename_themselves(client, factory, users):
    me = users["supervisor"]
    response = await patch(
        client, factory, users, me.id, {"name": "Head", "role": "supervisor", "active": True}, '"1"'
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Head"


async def test_one_supervisor_may_demote_another(client, factory, users):
    other = await factory.user("supervisor")
    response = await patch(client, factory, users, other.id, {"role": "clerk"}, '"1"')
    assert response.status_code == 200, response.text


async def test_deactivated_user_cannot_log_in(client, factory, users):
    target = users["engineer"]
    await login(client, target.email)
    response = await patch(client, factory, users, target.id, {"active": False}, '"1"')
    assert response.status_code == 200, response.text
    assert_problem(await password_grant(client, target.email), 401, "invalid_grant")


async def test_two_concurrent_patches_with_the_same_version_one_wins(client, factory, users):
    target = users["engineer"]
    other_supervisor = await factory.user("supervisor")
    answers = await asyncio.gather(
        patch(client, factory, users, target.id, {"name": "By first"}, '"1"'),
        client.patch(
            f"{USERS_URL}/{target.id}",
            json={"name": "By second"},
            headers=factory.headers(other_supervisor, **{"If-Match": '"1"'}),
        ),
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses[0] == 200 and statuses[1] in (409, 412), [a.text for a in answers]
    loser = next(a for a in answers if a.status_code != 200)
    assert_problem(loser, loser.status_code)
    winner = next(a for a in answers if a.status_code == 200).json()
    after = (await read(client, factory, users, target.id)).json()
    assert (after["name"], after["version"]) == (winner["name"], 2)


async def test_two_concurrent_creates_with_the_same_email_one_wins(client, factory, users):
    answers = await asyncio.gather(
        *(create(client, factory, users["supervisor"], new_user()) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert_problem(next(a for a in answers if a.status_code == 409), 409, "conflict")
