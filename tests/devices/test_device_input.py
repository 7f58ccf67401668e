"""Bad input on device writes and the If-Match rules: always a 4xx problem, nothing changed."""

import json
import uuid
from datetime import date

import pytest

from tests.support import assert_problem

URL = "/api/v1/devices"


@pytest.fixture
async def device(factory):
    customer = await factory.customer()
    return await factory.device(
        customer,
        serial_number="SN-KEEP",
        model="Keep",
        purchased_at=date(2025, 3, 1),
        warranty_until=date(2026, 3, 1),
    )


async def _snapshot(client, factory, clerk):
    headers = factory.headers(clerk)
    items = (await client.get(URL, params={"limit": 200}, headers=headers)).json()["items"]
    timelines = [
        (await client.get(f"{URL}/{d['id']}/timeline", headers=headers)).json()["items"]
        for d in items
    ]
    return items, timelines


def assert_names_field(problem, field):
    assert any(
        e["field"].split(".")[0] == field or f"{field}:" in e["message"] for e in problem["errors"]
    ), (field, problem)


# --- If-Match ---------------------------------------------------------------------------------


async def test_patch_without_if_match_is_428(client, factory, clerk, device):
    before = await _snapshot(client, factory, clerk)
    response = await client.patch(
        f"{URL}/{device.id}", json={"model": "New"}, headers=factory.headers(clerk)
    )
    assert_problem(response, 428, "precondition_required")
    assert await _snapshot(client, factory, clerk) == before


async def test_stale_if_match_is_412_and_changes_nothing(client, factory, clerk, device):
    first = await client.patch(
        f"{URL}/{device.id}",
        json={"model": "First"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    assert first.headers["etag"] == '"2"'
    before = await _snapshot(client, factory, clerk)

    second = await client.patch(
        f"{URL}/{device.id}",
        json={"model": "Second"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )

    assert assert_problem(second, 412, "precondition_failed")["current_version"] == 2
    assert await _snapshot(client, factory, clerk) == before


async def test_malformed_if_match_is_4xx(client, factory, clerk, device):
    before = await _snapshot(client, factory, clerk)
    for etag in ["v1", '"1"x', "1;2", '"12345678901"']:
        response = await client.patch(
            f"{URL}/{device.id}",
            json={"model": "New"},
            headers=factory.headers(clerk, **{"If-Match": etag}),
        )
        assert 400 <= response.status_code < 500, (etag, response.text)
    assert await _snapshot(client, factory, clerk) == before


# --- bad bodies -------------------------------------------------------------------------------

BAD_FIELDS = {
    "unknown or read-only field": [
        {"serial": "typo"},
        {"id": str(uuid.uuid4())},
        {"version": 2},
        {"updated_at": "2020-01-01T00:00:00Z"},
        {"customer": {"id": str(uuid.uuid4())}},
    ],
    "wrong type": [
        {"serial_number": 12345},
        {"serial_number": ["SN-1"]},
        {"model": {"name": "M"}},
        {"model": False},
        {"configuration": 8},
        {"customer_id": 5},
        {"customer_id": "acme"},
        {"customer_id": ["00000000-0000-0000-0000-000000000000"]},
        {"purchased_at": "yesterday"},
        {"purchased_at": "2025-02-30"},
        {"purchased_at": "01/03/2025"},
        {"purchased_at": 0},
        {"purchased_at": "86400"},
        {"warranty_until": ["2026-01-01"]},
        {"warranty_until": "2026-01-01T00:00:00Z"},
        {"warranty_until": True},
        {"external_ref": 1.5},
    ],
    "NUL character": [
        {"serial_number": "SN\u00001"},
        {"model": "\u0000"},
        {"configuration": "RAM\u00008GB"},
        {"external_ref": "E\u0000"},
        {"purchased_at": "2025-03-01\u0000"},
    ],
    "huge number or string": [
        {"serial_number": "S" * 101},
        {"model": "M" * 201},
        {"configuration": "c" * 10_001},
        {"external_ref": "e" * 101},
        {"serial_number": 1e308},
        {"purchased_at": 10**20},
        {"warranty_until": "99999-01-01"},
        {"customer_id": 10**40},
    ],
    "empty value": [
        {"serial_number": ""},
        {"serial_number": "   "},
        {"model": ""},
        {"external_ref": ""},
        {"purchased_at": ""},
    ],
}


def _valid(customer_id):
    return {"customer_id": str(customer_id), "serial_number": "SN-NEW", "model": "M2"}


@pytest.mark.parametrize("kind", BAD_FIELDS)
async def test_bad_create_is_422_and_creates_nothing(client, factory, clerk, device, kind):
    before = await _snapshot(client, factory, clerk)
    for bad in BAD_FIELDS[kind]:
        response = await client.post(
            URL,
            json={**_valid(device.customer_id), **bad},
            headers=factory.headers(clerk),
        )
        assert_names_field(assert_problem(response, 422, "validation_error"), next(iter(bad)))
    assert await _snapshot(client, factory, clerk) == before


@pytest.mark.parametrize("kind", [*BAD_FIELDS, "null for a required field"])
async def test_bad_patch_is_422_and_changes_nothing(client, factory, clerk, device, kind):
    before = await _snapshot(client, factory, clerk)
    nulls = [{"customer_id": None}, {"serial_number": None}, {"model": None}]
    for bad in BAD_FIELDS.get(kind, nulls):
        response = await client.patch(
            f"{URL}/{device.id}",
            json=bad,
            headers=factory.headers(clerk, **{"If-Match": '"1"'}),
        )
        assert_names_field(assert_problem(response, 422, "validation_error"), next(iter(bad)))
    assert await _snapshot(client, factory, clerk) == before


@pytest.mark.parametrize("missing", ["customer_id", "serial_number", "model"])
async def test_required_fields_on_create(client, factory, clerk, device, missing):
    body = {k: v for k, v in _valid(device.customer_id).items() if k != missing}
    response = await client.post(URL, json=body, headers=factory.headers(clerk))
    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == [missing]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_malformed_json_and_wrong_content_type(client, factory, clerk, device, method):
    before = await _snapshot(client, factory, clerk)
    url = URL if method == "POST" else f"{URL}/{device.id}"
    headers = factory.headers(clerk, **{"If-Match": '"1"'})
    text = json.dumps(_valid(device.customer_id))

    broken = await client.request(
        method, url, content=text[:-1], headers={**headers, "Content-Type": "application/json"}
    )
    assert_problem(broken, 400)
    plain = await client.request(
        method, url, content=text, headers={**headers, "Content-Type": "text/plain"}
    )
    assert_problem(plain, 415, "unsupported_media_type")
    form = await client.request(method, url, data=_valid(device.customer_id), headers=headers)
    assert_problem(form, 415, "unsupported_media_type")
    assert await _snapshot(client, factory, clerk) == before


async def test_nul_in_query_is_400(client, factory, clerk):
    headers = factory.headers(clerk)
    for query in ["serial_number=SN%00", "q=%00", "customer_id=%00", "in_warranty_on=%00"]:
        assert_problem(await client.get(f"{URL}?{query}", headers=headers), 400)
