"""Bad input to every service-order body (SPEC §3): a clear 4xx problem, and nothing changed."""

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.service_orders.desk import Desk, assert_unchanged, free_window
from tests.service_orders.helpers import API, order_body, png_data_url
from tests.support import assert_problem

NUL = "bad\x00value"
LONG = "x" * 10_001


@dataclass(frozen=True)
class Raw:
    """A body sent as raw bytes with the given content type."""

    content: bytes
    content_type: str = "application/json"


# Every body gets these on top of its own cases.
def _common(valid: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    """`optional`: the body may be left out, and JSON null counts as leaving it out."""
    return {
        "unknown field": {**valid, "surprise": 1},
        "a JSON array": [valid],
        "a JSON string": "hello",
        **({} if optional else {"JSON null": None}),
        "malformed JSON": Raw(b'{"reason": "unterminated'),
        "trailing garbage": Raw(json.dumps(valid).encode() + b"}"),
        "not UTF-8": Raw(b'{"reason": "\xff\xfe"}'),
        "plain text": Raw(json.dumps(valid).encode(), "text/plain"),
        "form encoded": Raw(b"reason=x", "application/x-www-form-urlencoded"),
        "XML": Raw(b"<reason>x</reason>", "application/xml"),
    }


async def _send(desk: Desk, method: str, url: str, body: Any, who: str, **headers: str) -> Any:
    headers = desk.headers(who, **headers)
    if isinstance(body, Raw):
        headers["Content-Type"] = body.content_type
        return await desk.client.request(method, url, content=body.content, headers=headers)
    if body is None:
        headers["Content-Type"] = "application/json"
        return await desk.client.request(method, url, content=b"null", headers=headers)
    return await desk.client.request(method, url, json=body, headers=headers)


async def _refuse_all(
    desk: Desk, method: str, url: str, cases: dict[str, Any], who: str = "clerk", **headers: str
) -> None:
    for name, body in cases.items():
        response = await _send(desk, method, url, body, who, **headers)
        assert 400 <= response.status_code < 500, (name, response.status_code, response.text)
        assert_problem(response, response.status_code)
        if isinstance(body, Raw) and body.content_type != "application/json":
            assert response.status_code == 415, name
        elif name == "malformed JSON":
            assert response.status_code == 400, name
        elif response.status_code != 400:
            assert response.status_code == 422, (name, response.text)
            assert response.json()["errors"], name


# --- create -----------------------------------------------------------------------------------


def _create_cases(customer_id: Any) -> dict[str, Any]:
    valid = order_body(customer_id)
    start, end = free_window()
    cases: dict[str, Any] = {
        **_common(valid),
        "empty object": {},
        "status given": {**valid, "status": "closed"},
        "owner given": {**valid, "owner_id": str(customer_id)},
        "number given": {**valid, "number": "SO-2000-000001"},
        "unknown kind": {**valid, "kind": "visit"},
        "unknown channel": {**valid, "channel": "telegram"},
        "unknown priority": {**valid, "priority": "critical"},
        "kind as number": {**valid, "kind": 1},
        "customer as number": {**valid, "customer_id": 12},
        "customer not a uuid": {**valid, "customer_id": "acme"},
        "device not a uuid": {**valid, "device_id": "printer"},
        "subject as number": {**valid, "subject": 5},
        "subject as list": {**valid, "subject": ["a"]},
        "subject empty": {**valid, "subject": ""},
        "subject blank": {**valid, "subject": "   "},
        "subject null": {**valid, "subject": None},
        "subject too long": {**valid, "subject": "x" * 201},
        "subject with NUL": {**valid, "subject": NUL},
        "description too long": {**valid, "description": LONG},
        "description with NUL": {**valid, "description": NUL},
        "contact name empty": {**valid, "contact_name": ""},
        "contact name too long": {**valid, "contact_name": "x" * 201},
        "contact phone too long": {**valid, "contact_phone": "1" * 51},
        "external ref empty": {**valid, "external_ref": ""},
        "external ref too long": {**valid, "external_ref": "x" * 101},
        "remote with an appointment": {**valid, "appointment_start": start, "appointment_end": end},
        "appointment end before start": {
            **valid,
            "kind": "onsite",
            "appointment_start": end,
            "appointment_end": start,
        },
        "appointment of no length": {
            **valid,
            "kind": "onsite",
            "appointment_start": start,
            "appointment_end": start,
        },
        "appointment start only": {**valid, "kind": "onsite", "appointment_start": start},
        "appointment end only": {**valid, "kind": "onsite", "appointment_end": end},
        "appointment without offset": {
            **valid,
            "kind": "onsite",
            "appointment_start": "2031-01-01T10:00:00",
            "appointment_end": "2031-01-01T12:00:00",
        },
        "appointment not a time": {
            **valid,
            "kind": "onsite",
            "appointment_start": "tomorrow",
            "appointment_end": "later",
        },
        "NUL in a key": {**valid, "sub\x00ject": "x"},
    }
    return cases


async def test_bad_create_bodies_change_nothing(desk):
    await _refuse_all(desk, "POST", API, _create_cases(desk.customer_id))
    listed = await desk.client.get(API, headers=desk.headers())
    assert listed.json()["items"] == []
    events = await desk.client.get("/api/v1/events", headers=desk.headers("supervisor"))
    assert events.status_code == 200
    assert events.json()["items"] == []


async def test_bad_portal_create_bodies_change_nothing(desk):
    valid = order_body(desk.customer_id, channel="portal")
    cases = {
        **_common(valid),
        "missing subject": {k: v for k, v in valid.items() if k != "subject"},
        "owner given": {**valid, "owner_id": str(desk.users["customer"].id)},
    }
    await _refuse_all(desk, "POST", API, cases, "customer")
    assert (await desk.client.get(API, headers=desk.headers())).json()["items"] == []


# --- PATCH ------------------------------------------------------------------------------------


async def test_bad_patch_bodies_change_nothing(desk):
    order = await desk.order_in("assigned", "onsite")
    start, end = free_window()
    valid = {"subject": "Edited"}
    cases = {
        **_common(valid),
        "status": {"status": "closed"},
        "assignee": {"assignee_id": str(desk.users["engineer"].id)},
        "kind": {"kind": "remote"},
        "customer": {"customer_id": str(desk.customer_id)},
        "channel": {"channel": "email"},
        "number": {"number": "SO-1"},
        "version": {"version": 7},
        "service record": {"service_record": "edited"},
        "resolution": {"resolution": "edited"},
        "subject empty": {"subject": ""},
        "subject null": {"subject": None},
        "subject too long": {"subject": "x" * 201},
        "subject with NUL": {"subject": NUL},
        "subject as number": {"subject": 3},
        "priority unknown": {"priority": "critical"},
        "priority null": {"priority": None},
        "description too long": {"description": LONG},
        "device not a uuid": {"device_id": "printer"},
        "appointment end before start": {"appointment_start": end, "appointment_end": start},
        "appointment without offset": {"appointment_start": "2031-01-01T10:00:00"},
        "external ref empty": {"external_ref": ""},
    }
    url = f"{API}/{order['id']}"
    await _refuse_all(desk, "PATCH", url, cases, **{"If-Match": f'"{order["version"]}"'})
    await assert_unchanged(desk, order, 2)
    assert (await desk.get(order))["subject"] == order["subject"]


# --- actions ----------------------------------------------------------------------------------


def _reason_cases() -> dict[str, Any]:
    valid = {"reason": "Waiting for parts"}
    return {
        **_common(valid),
        "empty object": {},
        "reason empty": {"reason": ""},
        "reason blank": {"reason": " \t\n"},
        "reason null": {"reason": None},
        "reason as number": {"reason": 42},
        "reason as object": {"reason": {"text": "x"}},
        "reason too long": {"reason": "x" * 2001},
        "reason with NUL": {"reason": NUL},
    }


@pytest.mark.parametrize(
    ("action", "state", "who"),
    [
        ("hold", "in_progress", "engineer"),
        ("reopen", "reported", "clerk"),
        ("cancel", "new", "clerk"),
    ],
)
async def test_bad_reason_bodies_change_nothing(desk, action, state, who):
    order = await desk.order_in(state)
    count = len(await desk.events(order))
    await _refuse_all(desk, "POST", f"{API}/{order['id']}/{action}", _reason_cases(), who)
    # No body at all is refused too: the reason is required.
    response = await desk.client.post(f"{API}/{order['id']}/{action}", headers=desk.headers(who))
    assert_problem(response, 422, "validation_error")
    await assert_unchanged(desk, order, count)


async def test_bad_assign_bodies_change_nothing(desk):
    order = await desk.create()
    engineer = str(desk.users["engineer"].id)
    valid = {"assignee_id": engineer}
    cases = {
        **_common(valid),
        "empty object": {},
        "assignee not a uuid": {"assignee_id": "bob"},
        "assignee as number": {"assignee_id": 7},
        "assignee null": {"assignee_id": None},
        "assignee as list": {"assignee_id": [engineer]},
        "force not a boolean": {**valid, "force": "maybe"},
        "force as a word": {**valid, "force": "yes"},
        "force as a number": {**valid, "force": 1},
        "force null": {**valid, "force": None},
        "force as object": {**valid, "force": {}},
        "assignee with NUL": {"assignee_id": engineer[:-1] + "\x00"},
        "status given": {**valid, "status": "in_progress"},
    }
    await _refuse_all(desk, "POST", f"{API}/{order['id']}/assign", cases)
    await assert_unchanged(desk, order, 1)
    assert (await desk.get(order))["assignee_id"] is None


async def test_bad_report_bodies_change_nothing(desk):
    order = await desk.order_in("in_progress", "onsite")
    signoff = {"signer_name": "Zhao", "signature": png_data_url()}
    valid = {"resolution": "Fixed", "service_record": "Done", "signoff": signoff}
    cases = {
        **_common(valid),
        "empty object": {},
        "resolution empty": {**valid, "resolution": ""},
        "resolution null": {**valid, "resolution": None},
        "resolution as number": {**valid, "resolution": 1},
        "resolution too long": {**valid, "resolution": LONG},
        "resolution with NUL": {**valid, "resolution": NUL},
        "service record empty": {**valid, "service_record": ""},
        "service record too long": {**valid, "service_record": LONG},
        "service record with NUL": {**valid, "service_record": NUL},
        "signoff as string": {**valid, "signoff": png_data_url()},
        "signoff empty": {**valid, "signoff": {}},
        "signer missing": {**valid, "signoff": {"signature": png_data_url()}},
        "signer empty": {**valid, "signoff": {**signoff, "signer_name": ""}},
        "signer too long": {**valid, "signoff": {**signoff, "signer_name": "x" * 201}},
        "signer with NUL": {**valid, "signoff": {**signoff, "signer_name": NUL}},
        "signature missing": {**valid, "signoff": {"signer_name": "Zhao"}},
        "signature as number": {**valid, "signoff": {**signoff, "signature": 5}},
        "unknown signoff field": {**valid, "signoff": {**signoff, "signed_at": "now"}},
        "record hash given": {**valid, "signoff": {**signoff, "record_sha256": "0" * 64}},
        "status given": {**valid, "status": "closed"},
    }
    await _refuse_all(desk, "POST", f"{API}/{order['id']}/report", cases, "engineer")
    await assert_unchanged(desk, order, 3)
    assert (await desk.get(order))["signoff"] is None


async def test_bad_confirm_bodies_change_nothing(desk):
    order = await desk.order_in("reported")
    valid = {"channel": "phone"}
    cases = {
        **_common(valid, optional=True),
        "unknown channel": {"channel": "pigeon"},
        "channel as number": {"channel": 1},
        "channel with NUL": {"channel": "ph\x00one"},
        "confirmed by": {**valid, "by": str(desk.users["clerk"].id)},
    }
    await _refuse_all(desk, "POST", f"{API}/{order['id']}/confirm", cases)
    await _refuse_all(desk, "POST", f"{API}/{order['id']}/confirm", cases, "customer")
    await assert_unchanged(desk, order, 4)


@pytest.mark.parametrize(
    ("action", "state", "who"),
    [
        ("start", "assigned", "engineer"),
        ("resume", "on_hold", "clerk"),
        ("close", "confirmed", "clerk"),
    ],
)
async def test_actions_without_input_refuse_fields(desk, action, state, who):
    order = await desk.order_in(state)
    count = len(await desk.events(order))
    cases = {**_common({}, optional=True), "a field": {"note": "please"}}
    await _refuse_all(desk, "POST", f"{API}/{order['id']}/{action}", cases, who)
    await assert_unchanged(desk, order, count)
    # `{}` and no body at all both work.
    response = await desk.client.post(
        f"{API}/{order['id']}/{action}", json={}, headers=desk.headers(who)
    )
    assert response.status_code == 200, response.text


# --- records ----------------------------------------------------------------------------------


async def test_bad_record_bodies_change_nothing(desk):
    order = await desk.order_in("in_progress")
    valid = {"kind": "communication", "channel": "phone", "body": "Called"}
    cases = {
        **_common(valid),
        "empty object": {},
        "kind missing": {"body": "Called"},
        "kind unknown": {**valid, "kind": "secret"},
        "kind as number": {**valid, "kind": 2},
        "channel unknown": {**valid, "channel": "pigeon"},
        "body missing": {"kind": "work"},
        "body empty": {**valid, "body": ""},
        "body blank": {**valid, "body": "  "},
        "body too long": {**valid, "body": LONG},
        "body with NUL": {**valid, "body": NUL},
        "body as list": {**valid, "body": ["Called"]},
        "author given": {**valid, "author_id": str(desk.users["clerk"].id)},
    }
    url = f"{API}/{order['id']}/records"
    await _refuse_all(desk, "POST", url, cases)
    await _refuse_all(desk, "POST", url, cases, "engineer")
    timeline = await desk.client.get(f"{API}/{order['id']}/timeline", headers=desk.headers())
    assert [e for e in timeline.json()["items"] if e["type"] == "record"] == []
    await assert_unchanged(desk, order, 3)


async def test_bad_ids_in_the_path_are_422_or_404(desk):
    headers = desk.headers()
    response = await desk.client.post(
        f"{API}/not-a-uuid/cancel", json={"reason": "x"}, headers=headers
    )
    assert_problem(response, 422)
    response = await desk.client.post(
        f"{API}/{'0' * 32}/cancel", json={"reason": "x"}, headers=headers
    )
    assert_problem(response, 404, "not_found")
    response = await desk.client.post(f"{API}/{'0' * 32}/fly", json={}, headers=headers)
    assert response.status_code in (404, 405)
    assert_problem(response, response.status_code)
