"""Customers: create, read, list, change, uniqueness, filters, sorting and paging."""

import base64
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.support import assert_problem

URL = "/api/v1/customers"


def new_customer(**fields):
    suffix = uuid.uuid4().hex[:8]
    return {"code": f"C-{suffix}", "name": f"Customer {suffix}", **fields}


async def test_create_returns_the_customer_with_version_etag_and_actions(client, factory, clerk):
    body = new_customer(
        contact_name="Li Wei",
        phone="+86 10 1234 5678",
        email="Li.Wei@Example.COM",
        address="1 Chang'an Ave, Beijing",
        external_ref="CRM-1",
    )
    response = await client.post(URL, json=body, headers=factory.headers(clerk))

    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    created = response.json()
    assert {k: created[k] for k in body} == {**body, "email": "li.wei@example.com"}
    assert created["version"] == 1
    assert created["allowed_actions"] == ["update", "add_record"]
    uuid.UUID(created["id"])
    assert datetime.fromisoformat(created["created_at"]).utcoffset() is not None

    fetched = await client.get(f"{URL}/{created['id']}", headers=factory.headers(clerk))
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == '"1"'
    assert fetched.json() == created


async def test_create_trims_surrounding_whitespace(client, factory, users):
    response = await client.post(
        URL,
        json={"code": "  C-TRIM ", "name": " Trimmed Ltd\n"},
        headers=factory.headers(users["supervisor"]),
    )
    assert response.status_code == 201, response.text
    assert (response.json()["code"], response.json()["name"]) == ("C-TRIM", "Trimmed Ltd")


async def test_optional_fields_default_to_null(client, factory, clerk):
    response = await client.post(
        URL, json={"code": "C-MIN", "name": "Minimal"}, headers=factory.headers(clerk)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [body[k] for k in ("contact_name", "phone", "email", "address", "external_ref")] == [
        None
    ] * 5


async def test_creation_is_written_to_the_timeline(client, factory, clerk):
    created = (await client.post(URL, json=new_customer(), headers=factory.headers(clerk))).json()

    timeline = await client.get(f"{URL}/{created['id']}/timeline", headers=factory.headers(clerk))

    assert timeline.status_code == 200
    [entry] = timeline.json()["items"]
    assert entry["type"] == "event"
    assert entry["action"] == "created"
    assert entry["actor_id"] == str(clerk.id)
    assert entry["changes"]["code"] == created["code"]


async def test_patch_changes_fields_bumps_version_and_logs_an_update(client, factory, clerk):
    customer = await factory.customer(name="Old Name", phone="111")
    before = (await client.get(f"{URL}/{customer.id}", headers=factory.headers(clerk))).json()

    response = await client.patch(
        f"{URL}/{customer.id}",
        json={"name": "New Name", "phone": "222", "contact_name": "Zhang San"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert (body["name"], body["phone"], body["contact_name"]) == ("New Name", "222", "Zhang San")
    assert body["version"] == 2
    assert body["code"] == customer.code
    assert body["created_at"] == before["created_at"]
    assert datetime.fromisoformat(body["updated_at"]) > datetime.fromisoformat(before["updated_at"])

    fetched = await client.get(f"{URL}/{customer.id}", headers=factory.headers(clerk))
    assert fetched.headers["etag"] == '"2"'
    assert fetched.json()["name"] == "New Name"
    assert fetched.json() == body  # the PATCH answered with what was stored

    timeline = (
        await client.get(f"{URL}/{customer.id}/timeline", headers=factory.headers(clerk))
    ).json()["items"]
    [update] = [e for e in timeline if e["action"] == "updated"]
    assert update["actor_id"] == str(clerk.id)
    assert update["changes"] == {
        "name": ["Old Name", "New Name"],
        "phone": ["111", "222"],
        "contact_name": [None, "Zhang San"],
    }


async def test_patch_can_clear_an_optional_field(client, factory, users):
    customer = await factory.customer(email="a@b.cn")
    response = await client.patch(
        f"{URL}/{customer.id}",
        json={"email": None},
        headers=factory.headers(users["supervisor"], **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["email"] is None


async def test_patch_without_a_real_change_keeps_the_version(client, factory, clerk):
    customer = await factory.customer(name="Same")
    response = await client.patch(
        f"{URL}/{customer.id}",
        json={"name": "Same"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"1"'
    timeline = await client.get(f"{URL}/{customer.id}/timeline", headers=factory.headers(clerk))
    assert [e["action"] for e in timeline.json()["items"]] == []


async def test_unknown_customer_is_404(client, factory, clerk):
    response = await client.get(f"{URL}/{uuid.uuid4()}", headers=factory.headers(clerk))
    assert_problem(response, 404, "not_found")


async def test_malformed_id_is_422(client, factory, clerk):
    response = await client.get(f"{URL}/not-a-uuid", headers=factory.headers(clerk))
    assert_problem(response, 422, "validation_error")


# --- uniqueness -------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["code", "external_ref"])
async def test_duplicate_unique_value_on_create_is_409_naming_the_field(
    client, factory, clerk, field
):
    await factory.customer(code="C-TAKEN", external_ref="REF-TAKEN")
    body = new_customer(**{field: {"code": "C-TAKEN", "external_ref": "REF-TAKEN"}[field]})

    response = await client.post(URL, json=body, headers=factory.headers(clerk))

    problem = assert_problem(response, 409, "conflict")
    assert problem["field"] == field
    listed = await client.get(URL, headers=factory.headers(clerk))
    assert len(listed.json()["items"]) == 1


@pytest.mark.parametrize("field", ["code", "external_ref"])
async def test_duplicate_unique_value_on_patch_is_409_and_changes_nothing(
    client, factory, clerk, field
):
    await factory.customer(code="C-TAKEN", external_ref="REF-TAKEN")
    mine = await factory.customer(code="C-MINE", external_ref="REF-MINE")
    value = {"code": "C-TAKEN", "external_ref": "REF-TAKEN"}[field]

    response = await client.patch(
        f"{URL}/{mine.id}",
        json={field: value},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )

    assert assert_problem(response, 409, "conflict")["field"] == field
    after = (await client.get(f"{URL}/{mine.id}", headers=factory.headers(clerk))).json()
    assert (after["code"], after["external_ref"], after["version"]) == ("C-MINE", "REF-MINE", 1)


async def test_patch_may_keep_its_own_unique_values(client, factory, clerk):
    mine = await factory.customer(code="C-MINE", external_ref="REF-MINE")
    response = await client.patch(
        f"{URL}/{mine.id}",
        json={"code": "C-MINE", "external_ref": "REF-MINE", "name": "Renamed"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Renamed"


async def test_several_customers_may_have_no_external_ref(client, factory, clerk):
    headers = factory.headers(clerk)
    for _ in range(2):
        response = await client.post(URL, json=new_customer(), headers=headers)
        assert response.status_code == 201, response.text


# --- filters ----------------------------------------------------------------------------------


async def _names(client, headers, **params):
    response = await client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return sorted(item["name"] for item in response.json()["items"])


FILTER_CASES = [
    ({"q": "acme"}, ["Acme Tools", "Beta Works"]),  # name, and contact of Beta
    ({"q": "ACME TOOLS"}, ["Acme Tools"]),
    ({"q": "c-bet"}, ["Beta Works"]),  # code
    ({"q": "100%"}, ["100% Cotton"]),  # % is literal, not a wildcard
    ({"q": "_"}, []),
    ({"q": "nothing-like-this"}, []),
    ({"code": "C-ACME"}, ["Acme Tools"]),
    ({"code": "c-acme"}, []),  # exact match
    ({"external_ref": "ERP-2"}, ["Beta Works"]),
    ({"q": "works", "code": "C-ACME"}, []),  # filters combine
    ({"q": "c:\\t"}, ["Path C:\\Tools"]),  # a backslash is literal too
]


async def test_filters(client, factory, clerk):
    await factory.customer(code="C-ACME", name="Acme Tools", external_ref="ERP-1")
    await factory.customer(
        code="C-BETA", name="Beta Works", contact_name="ex-Acme buyer", external_ref="ERP-2"
    )
    await factory.customer(code="C-100", name="100% Cotton")
    await factory.customer(code="C-PATH", name="Path C:\\Tools")
    for params, expected in FILTER_CASES:
        assert await _names(client, factory.headers(clerk), **params) == expected, params


async def test_updated_after_returns_only_later_changes(client, factory, clerk):
    old = await factory.customer(name="Old")
    stale = await factory.customer(name="Stale")
    mark = (await client.get(f"{URL}/{stale.id}", headers=factory.headers(clerk))).json()
    since = datetime.fromisoformat(mark["updated_at"])
    await client.patch(
        f"{URL}/{old.id}",
        json={"name": "Old, touched"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    await factory.customer(name="Fresh")

    names = await _names(client, factory.headers(clerk), updated_after=since.isoformat())
    assert names == ["Fresh", "Old, touched"]
    # The same instant written in another time zone means the same thing.
    shanghai = since.astimezone(timezone(timedelta(hours=8)))
    names = await _names(client, factory.headers(clerk), updated_after=shanghai.isoformat())
    assert names == ["Fresh", "Old, touched"]


async def test_updated_after_without_offset_is_422(client, factory, clerk):
    response = await client.get(
        URL,
        params={"updated_after": "2026-01-01T00:00:00"},
        headers=factory.headers(clerk),
    )
    assert (
        assert_problem(response, 422, "validation_error")["errors"][0]["field"] == "updated_after"
    )


async def test_updated_after_garbage_is_422(client, factory, clerk):
    headers = factory.headers(clerk)
    for value in [
        "yesterday",
        "2026-13-01T00:00:00Z",
        "1" * 300,
        "9999-12-31T23:59:59-14:00",  # past the last representable UTC instant
        "0001-01-01T00:00:00+14:00",  # before the first one
    ]:
        response = await client.get(URL, params={"updated_after": value}, headers=headers)
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == "updated_after", value


# --- sorting and paging -----------------------------------------------------------------------


async def test_sort(client, factory, clerk):
    for name, code in [("bravo", "c3"), ("charlie", "c1"), ("alpha", "c2")]:
        await factory.customer(name=name, code=code)
    for sort, expected in [
        ("name", ["alpha", "bravo", "charlie"]),
        ("-name", ["charlie", "bravo", "alpha"]),
        ("code", ["charlie", "alpha", "bravo"]),
        ("-code", ["bravo", "alpha", "charlie"]),
        ("created_at", ["bravo", "charlie", "alpha"]),
        ("-created_at", ["alpha", "charlie", "bravo"]),
        ("updated_at", ["bravo", "charlie", "alpha"]),
    ]:
        response = await client.get(URL, params={"sort": sort}, headers=factory.headers(clerk))
        assert response.status_code == 200, response.text
        assert [i["name"] for i in response.json()["items"]] == expected, sort


async def test_unknown_sort_is_422(client, factory, clerk):
    for sort in ["nope", "id", "-", "", "phone", "password_hash", "name;drop table", "x" * 41]:
        response = await client.get(URL, params={"sort": sort}, headers=factory.headers(clerk))
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == "sort", sort


async def test_cursor_walks_every_row_once_even_with_inserts_between_pages(client, factory, clerk):
    headers = factory.headers(clerk)
    for i in range(8):
        await factory.customer(name=f"same name {i % 2}")  # ties are broken by id
    for sort in ["created_at", "-created_at", "name", "-name", "-updated_at", "code"]:
        expected = {i["id"] for i in (await client.get(URL, headers=headers)).json()["items"]}
        inserted: set[str] = set()
        seen: list[str] = []
        cursor = None
        for page_number in range(30):
            params = {"limit": 3, "sort": sort} | ({"cursor": cursor} if cursor else {})
            page = await client.get(URL, params=params, headers=headers)
            assert page.status_code == 200, page.text
            assert len(page.json()["items"]) <= 3
            seen += [i["id"] for i in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
            if page_number < 2:  # rows arriving between page fetches shift nothing
                inserted.add(str((await factory.customer(name=f"{sort} arrived late")).id))

        assert len(seen) == len(set(seen)), sort
        assert expected <= set(seen), sort
        assert set(seen) - expected <= inserted, sort


async def test_last_page_has_no_cursor(client, factory, clerk):
    await factory.customer()
    response = await client.get(URL, params={"limit": 1}, headers=factory.headers(clerk))
    assert response.status_code == 200
    assert len(response.json()["items"]) == 1
    assert response.json()["next_cursor"] is None


async def test_limit_bounds(client, factory, clerk):
    headers = factory.headers(clerk)
    for limit in ["0", "-1", "201", "abc", "1.5", "1e3", "99999999999999999999999"]:
        response = await client.get(URL, params={"limit": limit}, headers=headers)
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == "limit", limit
    for limit in ["1", "200"]:
        response = await client.get(URL, params={"limit": limit}, headers=headers)
        assert response.status_code == 200, limit


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


ZERO_ID = "00000000-0000-0000-0000-000000000000"
BAD_CURSORS = [
    "garbage!!!",
    "a",
    "x" * 1001,
    _b64("not json"),
    _b64("[1, 2]"),
    _b64("null"),
    _b64('{"s": "created_at"}'),
    _b64('{"s": "created_at", "v": "yesterday", "i": "x"}'),
    _b64(f'{{"s": "created_at", "v": 12, "i": "{ZERO_ID}"}}'),
    _b64(f'{{"s": "created_at", "v": "2026-01-01T00:00:00", "i": "{ZERO_ID}"}}'),  # naive
    _b64(f'{{"s": "created_at", "v": "9999-12-31T23:59:59-14:00", "i": "{ZERO_ID}"}}'),
    _b64('{"s": "created_at", "v": "2026-01-01T00:00:00+00:00", "i": 5}'),
    _b64('{"s": "created_at", "v": "2026-01-01T00:00:00+00:00", "i": null}'),
    _b64('{"s": "created_at", "v": "2026-01-01T00:00:00+00:00", "i": "not-a-uuid"}'),
    base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
]


async def test_bad_cursor_is_422_never_500(client, factory, clerk):
    await factory.customer()
    headers = factory.headers(clerk)
    for cursor in BAD_CURSORS:
        response = await client.get(URL, params={"cursor": cursor}, headers=headers)
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == "cursor", cursor
    # A cursor of the right sort whose value cannot be compared or stored.
    for value in ["5", '"a\\u0000b"', "null"]:
        cursor = _b64(f'{{"s": "name", "v": {value}, "i": "{ZERO_ID}"}}')
        response = await client.get(URL, params={"cursor": cursor, "sort": "name"}, headers=headers)
        assert_problem(response, 422, "validation_error")


async def test_cursor_from_another_sort_is_422(client, factory, clerk):
    headers = factory.headers(clerk)
    await factory.customer()
    await factory.customer()
    first = await client.get(URL, params={"limit": 1, "sort": "name"}, headers=headers)
    cursor = first.json()["next_cursor"]
    assert cursor
    for other in ("-name", "created_at", "code"):
        response = await client.get(URL, params={"cursor": cursor, "sort": other}, headers=headers)
        assert_problem(response, 422, "validation_error")
    same = await client.get(URL, params={"cursor": cursor, "sort": "name"}, headers=headers)
    assert same.status_code == 200
