"""Bad input on vendor writes and the If-Match rules: always a 4xx problem, nothing changed."""

import json

import pytest

from tests.support import assert_problem

URL = "/api/v1/vendors"


@pytest.fixture
async def vendor(factory):
    return await factory.vendor(name="Keep", services=["printers"], external_ref="V-KEEP")


async def _snapshot(client, factory, clerk):
    headers = factory.headers(clerk)
    items = (await client.get(URL, params={"limit": 200}, headers=headers)).json()["items"]
    timelines = [
        (await client.get(f"{URL}/{v['id']}/timeline", headers=headers)).json()["items"]
        for v in items
    ]
    return items, timelines


def assert_names_field(problem, field):
    assert any(
        e["field"].split(".")[0] == field or field in e["message"] for e in problem["errors"]
    ), (field, problem)


async def test_patch_without_if_match_is_428(client, factory, clerk, vendor):
    before = await _snapshot(client, factory, clerk)
    response = await client.patch(
        f"{URL}/{vendor.id}", json={"active": False}, headers=factory.headers(clerk)
    )
    assert_problem(response, 428, "precondition_required")
    assert await _snapshot(client, factory, clerk) == before


async def test_stale_if_match_is_412_and_changes_nothing(client, factory, clerk, vendor):
    headers = factory.headers(clerk, **{"If-Match": '"1"'})
    first = await client.patch(f"{URL}/{vendor.id}", json={"name": "First"}, headers=headers)
    assert first.headers["etag"] == '"2"'
    before = await _snapshot(client, factory, clerk)

    second = await client.patch(f"{URL}/{vendor.id}", json={"active": False}, headers=headers)

    assert assert_problem(second, 412, "precondition_failed")["current_version"] == 2
    assert await _snapshot(client, factory, clerk) == before


async def test_malformed_if_match_is_4xx(client, factory, clerk, vendor):
    before = await _snapshot(client, factory, clerk)
    for etag in ["latest", "W/", '"1"; "2"', '"0x1"']:
        response = await client.patch(
            f"{URL}/{vendor.id}",
            json={"active": False},
            headers=factory.headers(clerk, **{"If-Match": etag}),
        )
        assert 400 <= response.status_code < 500, (etag, response.text)
    assert await _snapshot(client, factory, clerk) == before


BAD_FIELDS = {
    "unknown or read-only field": [
        {"nam": "typo"},
        {"email": "v@x.cn"},  # vendors have no email field
        {"version": 3},
        {"allowed_actions": []},
    ],
    "wrong type": [
        {"name": 7},
        {"name": ["Station"]},
        {"contact_name": {"first": "Q"}},
        {"phone": 5550303},
        {"services": "printers"},
        {"services": [1, 2]},
        {"services": [["printers"]]},
        {"services": {"printers": True}},
        {"active": "yes"},
        {"active": 1},
        {"active": "false"},
        {"external_ref": False},
    ],
    "NUL character": [
        {"name": "St\u0000ation"},
        {"contact_name": "\u0000"},
        {"phone": "555\u0000"},
        {"address": "Rd\u00001"},
        {"external_ref": "V\u0000"},
        {"services": ["printers", "sca\u0000nners"]},
    ],
    "huge number or string": [
        {"name": "n" * 201},
        {"contact_name": "c" * 201},
        {"phone": "1" * 51},
        {"address": "a" * 10_001},
        {"external_ref": "e" * 101},
        {"services": ["s" * 201]},
        {"services": [f"service {i}" for i in range(51)]},
        {"name": 1e308},
        {"active": 10**30},
    ],
    "empty value": [
        {"name": ""},
        {"name": "  "},
        {"external_ref": ""},
        {"services": [""]},
        {"services": ["   "]},
    ],
}


@pytest.mark.parametrize("kind", BAD_FIELDS)
async def test_bad_create_is_422_and_creates_nothing(client, factory, clerk, vendor, kind):
    before = await _snapshot(client, factory, clerk)
    for bad in BAD_FIELDS[kind]:
        response = await client.post(
            URL, json={"name": "New", **bad}, headers=factory.headers(clerk)
        )
        assert_names_field(assert_problem(response, 422, "validation_error"), next(iter(bad)))
    assert await _snapshot(client, factory, clerk) == before


@pytest.mark.parametrize("kind", [*BAD_FIELDS, "null for a required field"])
async def test_bad_patch_is_422_and_changes_nothing(client, factory, clerk, vendor, kind):
    before = await _snapshot(client, factory, clerk)
    nulls = [{"name": None}, {"services": None}, {"active": None}]
    for bad in BAD_FIELDS.get(kind, nulls):
        response = await client.patch(
            f"{URL}/{vendor.id}",
            json=bad,
            headers=factory.headers(clerk, **{"If-Match": '"1"'}),
        )
        assert_names_field(assert_problem(response, 422, "validation_error"), next(iter(bad)))
    assert await _snapshot(client, factory, clerk) == before


async def test_name_is_required(client, factory, clerk):
    response = await client.post(URL, json={"active": True}, headers=factory.headers(clerk))
    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["name"]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_malformed_json_and_wrong_content_type(client, factory, clerk, vendor, method):
    before = await _snapshot(client, factory, clerk)
    url = URL if method == "POST" else f"{URL}/{vendor.id}"
    headers = factory.headers(clerk, **{"If-Match": '"1"'})
    text = json.dumps({"name": "New"})

    for raw in [text[:-1], '{"name": NaN', '{"name": "a" "b"}']:
        broken = await client.request(
            method, url, content=raw, headers={**headers, "Content-Type": "application/json"}
        )
        assert_problem(broken, 400)
    plain = await client.request(
        method, url, content=text, headers={**headers, "Content-Type": "text/plain"}
    )
    assert_problem(plain, 415, "unsupported_media_type")
    form = await client.request(method, url, data={"name": "New"}, headers=headers)
    assert_problem(form, 415, "unsupported_media_type")
    assert await _snapshot(client, factory, clerk) == before


async def test_nul_in_query_is_400(client, factory, clerk):
    headers = factory.headers(clerk)
    for query in ["q=%00", "active=true%00", "external_ref=%00x"]:
        assert_problem(await client.get(f"{URL}?{query}", headers=headers), 400)


async def test_deeply_nested_json_is_4xx(client, factory, clerk):
    headers = factory.headers(clerk, **{"Content-Type": "application/json"})
    for depth in (900, 100_000):  # 400 or 422 depending on where the parser gives up
        raw = '{"name": "x", "services": ' + "[" * depth + "]" * depth + "}"
        response = await client.post(URL, content=raw, headers=headers)
        assert_problem(response, response.status_code)
        assert response.status_code in (400, 422), depth
    assert (await client.get(URL, headers=factory.headers(clerk))).json()["items"] == []
