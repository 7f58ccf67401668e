"""Login throttling: repeated failures per account+address, per address, and per account across
all addresses (a budget that does not apply at the account's known addresses) → 429 + Retry-After.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db.models import KnownLoginAddress, LoginFailure
from app.db.types import utcnow
from tests.auth.helpers import TOKEN_URL, client_from, password_grant
from tests.conftest import build_app, client_for
from tests.support import PASSWORD, assert_problem

WINDOW_SECONDS = 600


@pytest.fixture(scope="module")
def strict_app(engine):
    """An app allowing, in a 10-minute window, 3 failures per account from one address, 8 per
    address, and 6 per account from all addresses together."""
    return build_app(
        engine,
        login_max_failures_per_account_address=3,
        login_max_failures_per_address=8,
        login_max_failures_per_account=6,
        login_window_seconds=WINDOW_SECONDS,
    )


@pytest.fixture
async def strict_client(strict_app):
    async with client_for(strict_app) as c:
        yield c


def assert_throttled(response):
    body = assert_problem(response, 429, "too_many_requests")
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW_SECONDS + 1
    return body


def pair_key(email, address="127.0.0.1"):
    return f"account_address:{email}|{address}"


async def fail(client, email, times):
    for _ in range(times):
        assert_problem(await password_grant(client, email, "wrong-password"), 401, "invalid_grant")


async def test_account_is_throttled_after_the_configured_failures(strict_client, users):
    email = users["clerk"].email
    await fail(strict_client, email, 3)
    assert_throttled(await password_grant(strict_client, email, "wrong-password"))


async def test_right_password_is_refused_while_throttled(strict_client, users):
    email = users["clerk"].email
    await fail(strict_client, email, 3)
    assert_throttled(await password_grant(strict_client, email, PASSWORD))


async def test_unknown_email_gets_the_same_answer(strict_client, users):
    await fail(strict_client, users["clerk"].email, 3)
    await fail(strict_client, "ghost@test.local", 3)
    known = assert_throttled(await password_grant(strict_client, users["clerk"].email))
    unknown = assert_throttled(await password_grant(strict_client, "ghost@test.local"))
    assert known == unknown


async def test_account_counter_ignores_the_case_of_the_email(strict_client, users):
    email = users["clerk"].email
    await fail(strict_client, email, 2)
    await fail(strict_client, email.upper(), 1)
    assert_throttled(await password_grant(strict_client, email))


async def test_other_accounts_are_not_throttled_by_one_accounts_failures(strict_client, users):
    await fail(strict_client, users["clerk"].email, 3)
    ok = await password_grant(strict_client, users["engineer"].email)
    assert ok.status_code == 200, ok.text


async def test_successful_login_resets_the_account_counter(strict_client, users):
    email = users["clerk"].email
    await fail(strict_client, email, 2)
    assert (await password_grant(strict_client, email)).status_code == 200
    await fail(strict_client, email, 2)  # would be the 4th and 5th failure without the reset
    assert (await password_grant(strict_client, email)).status_code == 200


async def test_client_address_is_throttled_across_accounts(strict_client, users):
    for index in range(8):
        assert_problem(await password_grant(strict_client, f"nobody-{index}@test.local", "x"), 401)
    # a fresh account, right password, but from the same address
    assert_throttled(await password_grant(strict_client, users["supervisor"].email))


async def test_failures_outside_the_window_do_not_count(strict_client, sessionmaker, users):
    email = users["clerk"].email
    long_ago = utcnow() - timedelta(seconds=WINDOW_SECONDS + 5)
    async with sessionmaker() as session:
        session.add_all([LoginFailure(key=pair_key(email), at=long_ago) for _ in range(3)])
        await session.commit()
    assert (await password_grant(strict_client, email)).status_code == 200
    # the Retry-After names when the oldest failure in the window leaves it
    async with sessionmaker() as session:
        almost = utcnow() - timedelta(seconds=WINDOW_SECONDS - 30)
        session.add_all([LoginFailure(key=pair_key(email), at=almost) for _ in range(3)])
        await session.commit()
    response = await password_grant(strict_client, email)
    assert_throttled(response)
    assert 25 <= int(response.headers["retry-after"]) <= 31


async def test_client_credentials_are_throttled_per_client_id(strict_client, factory, users):
    robot = (
        await strict_client.post(
            "/api/v1/users",
            json={
                "email": "erp@test.local",
                "name": "ERP",
                "role": "clerk",
                "service_account": True,
            },
            headers=factory.headers(users["supervisor"]),
        )
    ).json()
    form = {"grant_type": "client_credentials", "client_id": robot["id"], "client_secret": "bad"}
    for _ in range(3):
        assert_problem(await strict_client.post(TOKEN_URL, data=form), 401, "invalid_grant")
    form["client_secret"] = robot["client_secret"]
    assert_throttled(await strict_client.post(TOKEN_URL, data=form))


async def test_expired_failures_are_purged_whatever_their_key(strict_client, sessionmaker):
    async with sessionmaker() as session:
        session.add(LoginFailure(key="account:sprayed@test.local", at=utcnow() - timedelta(days=1)))
        await session.commit()
    await password_grant(strict_client, "someone-else@test.local", "wrong")
    async with sessionmaker() as session:
        keys = set((await session.scalars(select(LoginFailure.key))).all())
    assert keys == {
        "account:someone-else@test.local",
        "address:127.0.0.1",
        pair_key("someone-else@test.local"),
    }


async def test_an_attacker_slows_down_without_locking_the_owner_out(strict_app, users):
    email = users["clerk"].email
    async with client_from(strict_app, "198.51.100.7") as attacker:
        await fail(attacker, email, 3)
        assert_throttled(await password_grant(attacker, email, PASSWORD))
    async with client_from(strict_app, "192.0.2.10") as owner:
        ok = await password_grant(owner, email)
    assert ok.status_code == 200, ok.text


async def test_a_distributed_attack_spends_the_account_budget_but_not_at_known_addresses(
    strict_app, users
):
    email = users["clerk"].email
    async with client_from(strict_app, "192.0.2.10") as office:
        assert (await password_grant(office, email)).status_code == 200
    for bot in range(6):  # one guess each from many addresses: the per-address limits never bite
        async with client_from(strict_app, f"203.0.113.{bot + 1}") as attacker:
            await fail(attacker, email, 1)
    async with client_from(strict_app, "203.0.113.200") as attacker:
        assert_throttled(await password_grant(attacker, email, "guess"))
    async with client_from(strict_app, "192.0.2.99") as hotel:  # the owner, somewhere new
        assert_throttled(await password_grant(hotel, email))
    async with client_from(strict_app, "192.0.2.10") as office:  # the owner's usual address
        ok = await password_grant(office, email)
    assert ok.status_code == 200, ok.text


async def test_an_address_unused_for_90_days_is_no_longer_known(strict_app, users, sessionmaker):
    email = users["clerk"].email
    async with sessionmaker() as session:
        session.add(
            KnownLoginAddress(
                account=email, address="192.0.2.10", last_success_at=utcnow() - timedelta(days=91)
            )
        )
        await session.commit()
    for bot in range(6):
        async with client_from(strict_app, f"203.0.113.{bot + 1}") as attacker:
            await fail(attacker, email, 1)
    async with client_from(strict_app, "192.0.2.10") as office:
        assert_throttled(await password_grant(office, email))


async def test_ipv6_clients_are_counted_per_64_prefix(strict_app, users):
    for index in range(8):
        async with client_from(strict_app, f"2001:db8:1:2::{index + 1:x}") as client:
            await fail(client, f"nobody-{index}@test.local", 1)
    async with client_from(strict_app, "2001:db8:1:2:ffff::1") as same_prefix:
        assert_throttled(await password_grant(same_prefix, users["supervisor"].email))
    async with client_from(strict_app, "2001:db8:1:3::1") as next_prefix:
        assert (await password_grant(next_prefix, users["supervisor"].email)).status_code == 200
