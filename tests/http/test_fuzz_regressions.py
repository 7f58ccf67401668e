"""Inputs a fuzzer (schemathesis) or a hand probe found to slip past validation: each must get a
clear 4xx problem and change nothing."""

import base64
import json
import logging

import pytest

from app.http.middleware import REQUESTS
from tests.support import assert_problem


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "sort"),
    [("customers", "name"), ("customers", "code"), ("vendors", "name"), ("users", "email")],
)
async def test_cursor_holding_an_unpaired_surrogate_is_422(client, factory, users, path, sort):
    # json.loads turns "\ud800" into a str no database driver can encode: it was a 500.
    raw = b'{"s":"%s","v":"\\ud800","i":"9cc962e1-10f0-4cb3-9673-0e119429b111"}' % sort.encode()
    response = await client.get(
        f"/api/v1/{path}",
        params={"sort": sort, "cursor": _cursor(raw)},
        headers=factory.headers(users["supervisor"]),
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "cursor"


async def test_sort_with_a_doubled_minus_is_422(client, factory, users):
    response = await client.get(
        "/api/v1/customers", params={"sort": "--name"}, headers=factory.headers(users["clerk"])
    )
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize("value", [1700000000, "1700000000", -99999999999])
async def test_unix_numbers_are_not_appointment_timestamps(client, factory, users, value):
    customer = await factory.customer()
    headers = factory.headers(users["clerk"])
    end = value + 3600 if isinstance(value, int) else "1700003600"
    response = await client.post(
        "/api/v1/service-orders",
        json={
            "kind": "onsite",
            "channel": "phone",
            "customer_id": str(customer.id),
            "subject": "Spindle noise",
            "appointment_start": value,
            "appointment_end": end,
        },
        headers=headers,
    )
    body = assert_problem(response, 422, "validation_error")
    assert {e["field"] for e in body["errors"]} >= {"appointment_start", "appointment_end"}
    listed = await client.get("/api/v1/service-orders", headers=headers)
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("customers", "updated_after"),
        ("service-orders", "updated_after"),
        ("service-orders", "created_after"),
        ("service-orders", "created_before"),
        ("service-orders", "updated_before"),
    ],
)
@pytest.mark.parametrize("value", ["184", "-99999999999", "1700000000.5"])
async def test_unix_numbers_are_not_timestamps_in_query(client, factory, users, path, param, value):
    response = await client.get(
        f"/api/v1/{path}", params={param: value}, headers=factory.headers(users["supervisor"])
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == param


async def test_rfc3339_timestamps_still_filter(client, factory, users):
    customer = await factory.customer()
    headers = factory.headers(users["clerk"])
    since = await client.get(
        "/api/v1/customers", params={"updated_after": "2000-01-01T00:00:00+08:00"}, headers=headers
    )
    later = await client.get(
        "/api/v1/customers", params={"updated_after": "9999-12-31T22:59:59+14:00"}, headers=headers
    )
    naive = await client.get(
        "/api/v1/customers", params={"updated_after": "2000-01-01T00:00:00"}, headers=headers
    )
    assert since.status_code == 200
    assert str(customer.id) in {item["id"] for item in since.json()["items"]}
    assert later.status_code == 200 and later.json()["items"] == []
    assert_problem(naive, 422, "validation_error")


async def test_value_over_max_length_is_refused_even_if_only_padding_is_over(
    client, factory, users
):
    # code has maxLength 50; trimming used to shrink 51 characters to 50 and accept them.
    headers = factory.headers(users["clerk"])
    padded = await client.post(
        "/api/v1/customers", json={"code": "\t" + "A" * 50, "name": "Acme"}, headers=headers
    )
    body = assert_problem(padded, 422, "validation_error")
    assert body["errors"][0]["field"] == "code"
    services = await client.post(
        "/api/v1/vendors", json={"name": "Repairs", "services": [" " + "s" * 200]}, headers=headers
    )
    assert_problem(services, 422, "validation_error")
    customers = await client.get("/api/v1/customers", params={"q": "A" * 50}, headers=headers)
    vendors = await client.get("/api/v1/vendors", headers=headers)
    assert customers.json()["items"] == [] and vendors.json()["items"] == []


async def test_padding_within_max_length_is_still_trimmed(client, factory, users):
    response = await client.post(
        "/api/v1/customers",
        json={"code": " " + "A" * 48 + " ", "name": "  Acme  "},
        headers=factory.headers(users["clerk"]),
    )
    assert response.status_code == 201, response.text
    assert response.json()["code"] == "A" * 48
    assert response.json()["name"] == "Acme"


async def test_unpaired_surrogate_in_a_body_is_422(client, factory, users):
    raw = json.dumps({"code": "S1", "name": "x"}).replace('"x"', '"\\udfff"').encode()
    response = await client.post(
        "/api/v1/customers",
        content=raw,
        headers=factory.headers(users["clerk"], **{"Content-Type": "application/json"}),
    )
    assert_problem(response, 422, "validation_error")


async def test_client_gone_before_the_body_is_not_counted_as_a_server_error(app, caplog):
    # A POST whose client disconnects mid-body gets no response; it was logged and counted as 500.
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/vendors",
        "raw_path": b"/api/v1/vendors",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent = []

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    before = REQUESTS.labels("POST", "unmatched", "500")._value.get()
    with caplog.at_level(logging.INFO, logger="aftercare.access"):
        await app(scope, receive, send)
    assert sent == []
    assert REQUESTS.labels("POST", "unmatched", "500")._value.get() == before
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "aftercare.access"]
    assert logged and logged[-1]["status"] == 499


def test_calendar_work_hour_pairs_are_published_without_prefix_items(app):
    # schemathesis 4's response check could not read the 3.1 tuple form (prefixItems) and
    # stopped with a schema error on GET /business-calendar; several client generators agree.
    schemas = app.openapi()["components"]["schemas"]
    for name in ("CalendarBody", "CalendarRead"):
        pair = schemas[name]["properties"]["work_hours"]["additionalProperties"]["items"]
        assert pair == {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}


async def test_a_work_hour_pair_of_three_is_still_422(client, factory, users):
    headers = factory.headers(users["supervisor"], **{"If-Match": '"0"'})
    body = {"timezone": "Asia/Shanghai", "work_hours": {"mon": [["08:00", "12:00", "13:00"]]}}
    response = await client.put("/api/v1/business-calendar", json=body, headers=headers)
    assert_problem(response, 422, "validation_error")
