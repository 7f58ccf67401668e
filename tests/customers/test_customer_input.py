"""Bad input on customer writes and the If-Match rules: always a 4xx problem, nothing changed."""

import json

import pytest

from tests.support import assert_problem

URL = "/api/v1/customers"
VALID = {"code": "C-NEW", "name": "New Co"}


async def _snapshot(client, factory, clerk):
    """Everything a refused write could have touched."""
    headers = factory.headers(clerk)
    items = (await client.get(URL, params={"limit": 200}, headers=headers)).json()["items"]
    timelines = [
        (await client.get(f"{URL}/{i['id']}/timeline", headers=headers)).json()["items"]
        for i in items
    ]
    return items, timelines


def assert_names_field(problem, field):
    """The problem tells the caller which field to fix (in `errors[].field` or its message)."""
    assert any(
        e["field"].split(".")[0] == field or f"{field}:" in e["message"] for e in problem["errors"]
    ), (field, problem)


# --- If-Match ---------------------------------------------------------------------------------


async def test_patch_without_if_match_is_428(client, factory, clerk):
    customer = await factory.customer(name="Before")
    before = await _snapshot(client, factory, clerk)
    response = await client.patch(
        f"{URL}/{customer.id}", json={"name": "After"}, headers=factory.headers(clerk)
    )
    assert_problem(response, 428, "precondition_required")
    assert await _snapshot(client, factory, clerk) == before


async def test_stale_if_match_is_412_and_changes_nothing(client, factory, clerk):
    customer = await factory.customer(name="Before")
    first = await client.patch(
        f"{URL}/{customer.id}",
        json={"name": "First"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    assert first.status_code == 200
    before = await _snapshot(client, factory, clerk)

    second = await client.patch(
        f"{URL}/{customer.id}",
        json={"name": "Second"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )

    problem = assert_problem(second, 412, "precondition_failed")
    assert problem["current_version"] == 2
    assert await _snapshot(client, factory, clerk) == before


async def test_if_match_naming_another_version_is_412(client, factory, clerk):
    customer = await factory.customer()
    for etag in ['"3"', '"0"', '"999999999"', 'W/"2"']:
        response = await client.patch(
            f"{URL}/{customer.id}",
            json={"name": "x"},
            headers=factory.headers(clerk, **{"If-Match": etag}),
        )
        assert_problem(response, 412, "precondition_failed")


async def test_malformed_if_match_is_4xx_and_changes_nothing(client, factory, clerk):
    customer = await factory.customer(name="Before")
    before = await _snapshot(client, factory, clerk)
    for etag in ["abc", '"one"', '"1", "2"', '"-1"', '"1.0"', '"99999999999999999999"', "", "*"]:
        response = await client.patch(
            f"{URL}/{customer.id}",
            json={"name": "After"},
            headers=factory.headers(clerk, **{"If-Match": etag}),
        )
        assert 400 <= response.status_code < 500, (etag, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await _snapshot(client, factory, clerk) == before


async def test_patch_unknown_customer_is_404(client, factory, clerk):
    response = await client.patch(
        f"{URL}/00000000-0000-0000-0000-000000000000",
        json={"name": "x"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    assert_problem(response, 404, "not_found")


# --- bad bodies -------------------------------------------------------------------------------

BAD_FIELDS = {
    "unknown or read-only field": [
        {"nmae": "typo"},
        {"id": "00000000-0000-0000-0000-000000000000"},
        {"version": 7},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"allowed_actions": ["delete"]},
    ],
    "wrong type": [
        {"name": 5},
        {"name": ["New Co"]},
        {"name": {"en": "New Co"}},
        {"name": True},
        {"code": 12.5},
        {"phone": 13800138000},
        {"email": ["a@b.cn"]},
        {"external_ref": 7},
    ],
    "NUL character": [
        {"name": "New\u0000Co"},
        {"code": "C\u0000"},
        {"contact_name": "\u0000"},
        {"phone": "1\u00002"},
        {"email": "a\u0000@b.cn"},
        {"address": "Street\u0000 1"},
        {"external_ref": "R\u00001"},
    ],
    "huge number or string": [
        {"name": 1e308},
        {"name": 10**30},
        {"name": "x" * 201},
        {"code": "x" * 51},
        {"phone": "1" * 51},
        {"contact_name": "x" * 201},
        {"address": "x" * 10_001},
        {"external_ref": "x" * 101},
        {"email": "a@" + "b" * 250 + ".cn"},
    ],
    "empty or malformed value": [
        {"name": ""},
        {"name": "   "},
        {"code": ""},
        {"external_ref": ""},
        {"email": "not-an-email"},
        {"email": "two@@at.cn"},
    ],
}


@pytest.mark.parametrize("kind", BAD_FIELDS)
async def test_bad_create_is_422_and_creates_nothing(client, factory, clerk, kind):
    before = await _snapshot(client, factory, clerk)
    for bad in BAD_FIELDS[kind]:
        response = await client.post(URL, json={**VALID, **bad}, headers=factory.headers(clerk))
        assert_names_field(assert_problem(response, 422, "validation_error"), next(iter(bad)))
    assert await _snapshot(client, factory, clerk) == before


@pytest.mark.parametrize("kind", [*BAD_FIELDS, "null for a required field"])
async def test_bad_patch_is_422_and_changes_nothing(client, factory, clerk, kind):
    customer = await factory.customer(name="Before", email="keep@it.cn")
    before = await _snapshot(client, factory, clerk)
    for bad in BAD_FIELDS.get(kind, [{"name": None}, {"code": None}]):
        response = await client.patch(
            f"{URL}/{customer.id}",
            json=bad,
            headers=factory.headers(clerk, **{"If-Match": '"1"'}),
        )
        assert_names_field(assert_problem(response, 422, "validation_error"), next(iter(bad)))
    assert await _snapshot(client, factory, clerk) == before


@pytest.mark.parametrize("missing", ["code", "name"])
async def test_required_fields_on_create(client, factory, clerk, missing):
    body = {k: v for k, v in VALID.items() if k != missing}
    response = await client.post(URL, json=body, headers=factory.headers(clerk))
    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == [missing]


async def test_validation_problem_names_every_bad_field(client, factory, clerk):
    response = await client.post(
        URL, json={"code": "", "name": 5, "extra": 1}, headers=factory.headers(clerk)
    )
    problem = assert_problem(response, 422, "validation_error")
    assert {e["field"] for e in problem["errors"]} == {"code", "name", "extra"}


MALFORMED_JSON = [
    b"{",
    b'{"code": "C-1", "name": }',
    b"{'code': 'C-1'}",
    b'{"code": "C-1", "name": "x",}',
    b"\xff\xfe",
    b'{"name": 1' + b"0" * 5000 + b"}",  # an integer too long to parse
]
NOT_AN_OBJECT = [b"[]", b'"C-1"', b"null", b"5", b"[{}]"]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_malformed_json_is_400_and_not_an_object_is_422(client, factory, clerk, method):
    customer = await factory.customer()
    before = await _snapshot(client, factory, clerk)
    url = URL if method == "POST" else f"{URL}/{customer.id}"
    headers = factory.headers(clerk, **{"Content-Type": "application/json", "If-Match": '"1"'})
    for raw in MALFORMED_JSON:
        response = await client.request(method, url, content=raw, headers=headers)
        assert_problem(response, 400)
    for raw in NOT_AN_OBJECT:
        response = await client.request(method, url, content=raw, headers=headers)
        assert_problem(response, 422, "validation_error")
    assert await _snapshot(client, factory, clerk) == before


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_wrong_content_type_is_415(client, factory, clerk, method):
    customer = await factory.customer()
    before = await _snapshot(client, factory, clerk)
    url = URL if method == "POST" else f"{URL}/{customer.id}"
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        None,
    ]:
        headers = factory.headers(clerk, **{"If-Match": '"1"'})
        if content_type:
            headers["Content-Type"] = content_type
        response = await client.request(method, url, content=json.dumps(VALID), headers=headers)
        assert_problem(response, 415, "unsupported_media_type")
    form = await client.request(
        method, url, data=VALID, headers=factory.headers(clerk, **{"If-Match": '"1"'})
    )
    assert_problem(form, 415, "unsupported_media_type")
    assert await _snapshot(client, factory, clerk) == before


async def test_json_with_charset_is_accepted(client, factory, clerk):
    response = await client.post(
        URL,
        content=json.dumps(VALID),
        headers=factory.headers(clerk, **{"Content-Type": "application/json; charset=utf-8"}),
    )
    assert response.status_code == 201, response.text


async def test_oversized_body_is_413(client, factory, clerk):
    before = await _snapshot(client, factory, clerk)
    response = await client.post(
        URL,
        json={**VALID, "address": "x" * 1_100_000},
        headers=factory.headers(clerk),
    )
    assert_problem(response, 413)
    assert await _snapshot(client, factory, clerk) == before


async def test_empty_body_is_422(client, factory, clerk):
    response = await client.post(
        URL,
        content=b"",
        headers=factory.headers(clerk, **{"Content-Type": "application/json"}),
    )
    assert_problem(response, 422, "validation_error")


async def test_nul_anywhere_in_the_url_is_400(client, factory, clerk):
    headers = factory.headers(clerk)
    for query in ["q=a%00b", "code=%00", "external_ref=x%00", "cursor=%00", "sort=name%00"]:
        assert_problem(await client.get(f"{URL}?{query}", headers=headers), 400)
    assert_problem(await client.get(f"{URL}/%00", headers=headers), 400)


async def test_oversized_filters_are_422(client, factory, clerk):
    headers = factory.headers(clerk)
    for params in [
        {"q": "x" * 201},
        {"code": "x" * 51},
        {"external_ref": "x" * 101},
        {"external_ref": ""},
    ]:
        response = await client.get(URL, params=params, headers=headers)
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == next(iter(params))
