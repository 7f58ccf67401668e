"""GET /users: filters (role, active, customer_id, q), sorting and keyset pagination."""

from datetime import UTC, datetime, timedelta

import pytest

from app.db.models import Role
from tests.support import assert_problem

USERS_URL = "/api/v1/users"


async def list_ids(client, headers, **params):
    response = await client.get(USERS_URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [u["id"] for u in response.json()["items"]]


@pytest.fixture
async def staff(factory, users):
    company = await factory.customer()
    extra = {
        "alice": await factory.user(Role.engineer, name="Alice Wang", email="alice@test.local"),
        "bob": await factory.user(
            Role.engineer, name="Bob Li", email="bob@test.local", active=False
        ),
        "carol": await factory.user(Role.customer, customer=company, name="Carol 100%_done"),
    }
    return {**users, **extra, "company": company}


async def test_list_without_filters_shows_every_user(client, factory, staff):
    headers = factory.headers(staff["clerk"])
    response = await client.get(USERS_URL, headers=headers)
    body = response.json()
    assert body["next_cursor"] is None
    assert len(body["items"]) == 7
    assert all("password_hash" not in u for u in body["items"])


async def test_filter_by_role(client, factory, staff):
    ids = await list_ids(client, factory.headers(staff["clerk"]), role="engineer")
    assert set(ids) == {str(staff[k].id) for k in ("engineer", "alice", "bob")}


async def test_filter_by_active(client, factory, staff):
    headers = factory.headers(staff["clerk"])
    assert await list_ids(client, headers, active="false") == [str(staff["bob"].id)]
    active = await list_ids(client, headers, active="true")
    assert str(staff["bob"].id) not in active and len(active) == 6


async def test_filters_combine(client, factory, staff):
    ids = await list_ids(
        client, factory.headers(staff["supervisor"]), role="engineer", active="true"
    )
    assert set(ids) == {str(staff["engineer"].id), str(staff["alice"].id)}


async def test_filter_by_customer(client, factory, staff):
    ids = await list_ids(
        client, factory.headers(staff["clerk"]), customer_id=str(staff["company"].id)
    )
    assert ids == [str(staff["carol"].id)]
    none = await list_ids(
        client, factory.headers(staff["clerk"]), customer_id="00000000-0000-0000-0000-000000000000"
    )
    assert none == []


async def test_search_by_name_or_email(client, factory, staff, subtests):
    searches = {
        "alice": ["alice"],
        "WANG": ["alice"],
        "bob@test": ["bob"],
        "100%_": ["carol"],
        "%": ["carol"],  # LIKE wildcards are taken literally
        "_": ["carol"],
        "nobody-by-that-name": [],
    }
    for q, expected in searches.items():
        with subtests.test(q):
            ids = await list_ids(client, factory.headers(staff["clerk"]), q=q)
            assert ids == [str(staff[k].id) for k in expected]


async def test_bad_list_parameters_are_422(client, factory, staff, subtests):
    bad = [
        {"role": "admin"},
        {"active": "sometimes"},
        {"customer_id": "not-a-uuid"},
        {"q": "x" * 201},
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"sort": "password_hash"},
        {"updated_after": "yesterday"},
        {"updated_after": "2026-01-01T00:00:00"},
    ]
    for params in bad:
        with subtests.test(str(params)):
            response = await client.get(
                USERS_URL, params=params, headers=factory.headers(staff["clerk"])
            )
            assert_problem(response, 422, "validation_error")


async def test_nul_in_a_query_is_refused(client, factory, staff):
    response = await client.get(f"{USERS_URL}?q=a%00b", headers=factory.headers(staff["clerk"]))
    assert_problem(response, 400)


async def test_pages_walk_every_user_exactly_once(client, factory, staff):
    headers = factory.headers(staff["clerk"])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get(USERS_URL, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 2
        seen += [u["id"] for u in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 4
    assert len(seen) == len(set(seen)) == 7
    assert seen == await list_ids(client, headers)


async def test_cursor_is_stable_under_inserts(client, factory, staff):
    headers = factory.headers(staff["clerk"])
    first = (await client.get(USERS_URL, params={"limit": 3}, headers=headers)).json()
    await factory.user(Role.engineer)  # created after the first page was read
    rest = await list_ids(client, headers, limit=200, cursor=first["next_cursor"])
    first_ids = [u["id"] for u in first["items"]]
    assert not set(first_ids) & set(rest)
    assert len(first_ids) + len(rest) == 8


async def test_sort_by_name_descending_with_pages(client, factory, staff):
    headers = factory.headers(staff["clerk"])
    page1 = (
        await client.get(USERS_URL, params={"limit": 4, "sort": "-name"}, headers=headers)
    ).json()
    page2 = await list_ids(client, headers, limit=4, sort="-name", cursor=page1["next_cursor"])
    names = [u["name"] for u in page1["items"]]
    assert names == sorted(names, reverse=True)
    assert len(page1["items"]) + len(page2) == 7
    # a cursor belongs to its sort order
    response = await client.get(
        USERS_URL, params={"sort": "name", "cursor": page1["next_cursor"]}, headers=headers
    )
    assert_problem(response, 422, "validation_error")


async def test_updated_after_returns_only_later_changes(client, factory, staff):
    headers = factory.headers(staff["supervisor"])
    since = datetime.now(UTC)
    patched = await client.patch(
        f"{USERS_URL}/{staff['alice'].id}",
        json={"name": "Alice Wang-Li"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert await list_ids(client, headers, updated_after=since.isoformat()) == [
        str(staff["alice"].id)
    ]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert await list_ids(client, headers, updated_after=later) == []
