"""Vendors (external repair stations): create, read, list, change, filters and paging."""

import uuid

import pytest

from tests.support import assert_problem

URL = "/api/v1/vendors"


async def test_create_returns_the_vendor_with_version_etag_and_actions(client, factory, clerk):
    body = {
        "name": "Shanghai Repair Station",
        "contact_name": "Qian Hao",
        "phone": "+86 21 5555 0303",
        "address": "9 Huaihai Rd, Shanghai",
        "services": ["printers", "scanners"],
        "active": True,
        "external_ref": "ERP-V-1",
    }

    response = await client.post(URL, json=body, headers=factory.headers(clerk))

    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    created = response.json()
    assert {k: created[k] for k in body} == body
    assert created["version"] == 1
    assert created["allowed_actions"] == ["update"]
    fetched = await client.get(f"{URL}/{created['id']}", headers=factory.headers(clerk))
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == '"1"'
    assert fetched.json() == created


async def test_new_vendor_is_active_with_no_services(client, factory, users):
    response = await client.post(
        URL, json={"name": "Bare"}, headers=factory.headers(users["supervisor"])
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["active"], body["services"]) == (True, [])
    assert [body[k] for k in ("contact_name", "phone", "address", "external_ref")] == [None] * 4


async def test_services_are_trimmed(client, factory, clerk):
    response = await client.post(
        URL,
        json={"name": "Trim", "services": ["  printers ", "lasers\n"]},
        headers=factory.headers(clerk),
    )
    assert response.status_code == 201, response.text
    assert response.json()["services"] == ["printers", "lasers"]


async def test_patch_changes_fields_bumps_version_and_logs_an_update(client, factory, clerk):
    vendor = await factory.vendor(name="Old", services=["printers"])

    response = await client.patch(
        f"{URL}/{vendor.id}",
        json={"name": "New", "services": ["printers", "lasers"], "active": False},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert (body["name"], body["services"], body["active"], body["version"]) == (
        "New",
        ["printers", "lasers"],
        False,
        2,
    )
    fetched = await client.get(f"{URL}/{vendor.id}", headers=factory.headers(clerk))
    assert fetched.headers["etag"] == '"2"'
    assert fetched.json()["services"] == ["printers", "lasers"]
    assert fetched.json() == body  # the PATCH answered with what was stored

    timeline = await client.get(f"{URL}/{vendor.id}/timeline", headers=factory.headers(clerk))
    assert timeline.status_code == 200
    [update] = [e for e in timeline.json()["items"] if e["action"] == "updated"]
    assert update["actor_id"] == str(clerk.id)
    assert update["changes"] == {
        "name": ["Old", "New"],
        "services": [["printers"], ["printers", "lasers"]],
        "active": [True, False],
    }


async def test_creation_is_on_the_vendor_timeline(client, factory, clerk):
    created = await client.post(URL, json={"name": "V"}, headers=factory.headers(clerk))
    timeline = await client.get(
        f"{URL}/{created.json()['id']}/timeline", headers=factory.headers(clerk)
    )
    [entry] = timeline.json()["items"]
    assert (entry["action"], entry["actor_id"]) == ("created", str(clerk.id))
    assert entry["changes"]["name"] == "V"


async def test_a_deactivated_vendor_can_be_reactivated(client, factory, clerk):
    vendor = await factory.vendor(active=False)
    response = await client.patch(
        f"{URL}/{vendor.id}",
        json={"active": True},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is True


async def test_unknown_vendor_is_404(client, factory, clerk):
    headers = factory.headers(clerk)
    assert_problem(await client.get(f"{URL}/{uuid.uuid4()}", headers=headers), 404, "not_found")
    assert_problem(await client.get(f"{URL}/{uuid.uuid4()}/timeline", headers=headers), 404)
    assert_problem(await client.get(f"{URL}/not-an-id", headers=headers), 422)


# --- uniqueness -------------------------------------------------------------------------------


async def test_duplicate_external_ref_is_409_on_create_and_patch(client, factory, clerk):
    await factory.vendor(external_ref="V-TAKEN")
    mine = await factory.vendor(name="Mine", external_ref="V-MINE")
    headers = factory.headers(clerk)

    created = await client.post(
        URL, json={"name": "Copy", "external_ref": "V-TAKEN"}, headers=headers
    )
    assert assert_problem(created, 409, "conflict")["field"] == "external_ref"
    patched = await client.patch(
        f"{URL}/{mine.id}",
        json={"external_ref": "V-TAKEN"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert assert_problem(patched, 409, "conflict")["field"] == "external_ref"

    listed = (await client.get(URL, headers=headers)).json()["items"]
    assert sorted((v["external_ref"], v["version"]) for v in listed) == [
        ("V-MINE", 1),
        ("V-TAKEN", 1),
    ]


async def test_names_need_not_be_unique(client, factory, clerk):
    headers = factory.headers(clerk)
    for _ in range(2):
        response = await client.post(URL, json={"name": "Same Name"}, headers=headers)
        assert response.status_code == 201, response.text


# --- filters ----------------------------------------------------------------------------------


@pytest.fixture
async def stations(factory):
    await factory.vendor(name="Alpha Print", contact_name="Zhou", active=True, external_ref="V-1")
    await factory.vendor(name="Beta Scan", contact_name="Alpha Wu", active=False)
    await factory.vendor(name="Gamma 100%", active=True)


FILTER_CASES = [
    ({}, ["Alpha Print", "Beta Scan", "Gamma 100%"]),
    ({"active": "true"}, ["Alpha Print", "Gamma 100%"]),
    ({"active": "false"}, ["Beta Scan"]),
    ({"q": "alpha"}, ["Alpha Print", "Beta Scan"]),  # name or contact, any case
    ({"q": "SCAN"}, ["Beta Scan"]),
    ({"q": "%"}, ["Gamma 100%"]),  # literal, not a wildcard
    ({"q": "alpha", "active": "false"}, ["Beta Scan"]),  # filters combine
    ({"external_ref": "V-1"}, ["Alpha Print"]),
    ({"external_ref": "V-2"}, []),
]


async def test_filters(client, factory, clerk, stations):
    for params, expected in FILTER_CASES:
        response = await client.get(URL, params=params, headers=factory.headers(clerk))
        assert response.status_code == 200, response.text
        assert sorted(v["name"] for v in response.json()["items"]) == expected, params


async def test_bad_filter_values_are_422(client, factory, clerk):
    headers = factory.headers(clerk)
    for params in [
        {"active": "maybe"},
        {"active": "2"},
        {"q": "x" * 201},
        {"external_ref": "x" * 101},
        {"updated_after": "2026-01-01 10:00"},
        {"updated_after": "soon"},
        {"sort": "services"},
        {"limit": "0"},
        {"limit": "201"},
        {"cursor": "%%%"},
    ]:
        response = await client.get(URL, params=params, headers=headers)
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == next(iter(params)), params


async def test_updated_after_returns_only_later_changes(client, factory, clerk, stations):
    headers = factory.headers(clerk)
    newest = await client.get(URL, params={"sort": "-updated_at", "limit": 1}, headers=headers)
    since = newest.json()["items"][0]["updated_at"]
    beta = (await client.get(URL, params={"q": "beta"}, headers=headers)).json()["items"][0]
    await client.patch(
        f"{URL}/{beta['id']}", json={"active": True}, headers={**headers, "If-Match": '"1"'}
    )

    response = await client.get(URL, params={"updated_after": since}, headers=headers)

    assert [v["name"] for v in response.json()["items"]] == ["Beta Scan"]


# --- sorting and paging -----------------------------------------------------------------------


async def test_sort(client, factory, clerk, stations):
    for sort, expected in [
        ("name", ["Alpha Print", "Beta Scan", "Gamma 100%"]),
        ("-name", ["Gamma 100%", "Beta Scan", "Alpha Print"]),
        ("created_at", ["Alpha Print", "Beta Scan", "Gamma 100%"]),
        ("-created_at", ["Gamma 100%", "Beta Scan", "Alpha Print"]),
        ("updated_at", ["Alpha Print", "Beta Scan", "Gamma 100%"]),
    ]:
        response = await client.get(URL, params={"sort": sort}, headers=factory.headers(clerk))
        assert response.status_code == 200, response.text
        assert [v["name"] for v in response.json()["items"]] == expected, sort


async def test_cursor_walks_every_row_once_even_with_inserts_between_pages(client, factory, clerk):
    headers = factory.headers(clerk)
    for i in range(7):
        await factory.vendor(name=f"station {i}")
    for sort in ["name", "-name", "-created_at", "updated_at"]:
        before = {v["name"] for v in (await client.get(URL, headers=headers)).json()["items"]}
        seen: list[str] = []
        cursor = None
        for page_number in range(30):
            params = {"limit": 3, "sort": sort} | ({"cursor": cursor} if cursor else {})
            page = (await client.get(URL, params=params, headers=headers)).json()
            seen += [v["name"] for v in page["items"]]
            if page_number == 0:  # arrivals between page fetches shift nothing
                await factory.vendor(name=f"station 0 {sort}")
                await factory.vendor(name=f"station 9 {sort}")
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), sort
        assert before <= set(seen), sort


async def test_cursor_from_another_sort_is_422(client, factory, clerk, stations):
    headers = factory.headers(clerk)
    first = await client.get(URL, params={"limit": 1, "sort": "-name"}, headers=headers)
    cursor = first.json()["next_cursor"]
    response = await client.get(URL, params={"limit": 1, "cursor": cursor}, headers=headers)
    assert assert_problem(response, 422)["errors"][0]["field"] == "cursor"
