"""The rules of an attempt beyond the action matrix: contact before send, the pickup receipt,
one open attempt, the vendor checks, money kept exact, bad bodies."""

import uuid

import pytest

from tests.external_repairs.helpers import (
    API,
    RECEIVE,
    attempt_in,
    repair_order,
    send_body,
)
from tests.support import assert_problem


async def _refused(client, factory, users, state: str, action: str, body) -> None:
    """`action` with `body` on an attempt in `state` is a 422 and leaves the attempt as it was."""
    attempt = await attempt_in(client, factory, users, state)
    clerk = factory.headers(users["clerk"])
    response = await client.post(f"{API}/{attempt['id']}/{action}", json=body, headers=clerk)
    assert_problem(response, 422, "validation_error")
    after = (await client.get(f"{API}/{attempt['id']}", headers=clerk)).json()
    assert (after["status"], after["version"]) == (attempt["status"], attempt["version"])


async def test_the_station_is_contacted_before_anything_is_sent(client, factory, users):
    attempt = await attempt_in(client, factory, users, "planned")
    response = await client.post(
        f"{API}/{attempt['id']}/send", json=send_body(), headers=factory.headers(users["clerk"])
    )
    problem = assert_problem(response, 409, "invalid_transition")
    assert problem["allowed_actions"] == ["contact", "cancel"]


@pytest.mark.parametrize("receipt", ["", "   "])
async def test_an_empty_pickup_receipt_is_refused(client, factory, users, receipt):
    attempt = await attempt_in(client, factory, users, "contacted")
    response = await client.post(
        f"{API}/{attempt['id']}/send",
        json=send_body(pickup_receipt_no=receipt),
        headers=factory.headers(users["clerk"]),
    )
    problem = assert_problem(response, 422, "validation_error")
    assert "pickup_receipt_no" in str(problem["errors"])


@pytest.mark.parametrize(
    "fields",
    [
        {"expected_back_at": "2020-01-01T00:00:00+00:00"},  # in the past
        {"expected_back_at": "2030-01-01T00:00:00"},  # no offset
        {"follow_up_every_days": 0},
        {"follow_up_every_days": "3"},
        {"vendor_rma_no": ""},
    ],
)
async def test_send_refuses_bad_dates_and_intervals(client, factory, users, fields):
    await _refused(client, factory, users, "contacted", "send", send_body(**fields))


@pytest.mark.parametrize(
    "body",
    [
        {**RECEIVE, "cost": 1280.5},  # a JSON number: money travels as a string
        {**RECEIVE, "cost": "1280.5"},
        {**RECEIVE, "cost": "-1.00"},
        {**RECEIVE, "cost": "1e3"},
        {**RECEIVE, "result": "lost"},
        {**RECEIVE, "vendor_report": ""},
        {"result": "repaired"},
    ],
)
async def test_receive_refuses_bad_results_and_amounts(client, factory, users, body):
    await _refused(client, factory, users, "at_vendor", "receive", body)


async def test_money_is_kept_exact(client, factory, users):
    attempt = await attempt_in(client, factory, users, "at_vendor")
    clerk = factory.headers(users["clerk"])
    body = {**RECEIVE, "cost": "0.10"}
    done = await client.post(f"{API}/{attempt['id']}/receive", json=body, headers=clerk)
    assert done.json()["cost"] == "0.10"
    again = await client.get(f"{API}/{attempt['id']}", headers=clerk)
    assert again.json()["cost"] == "0.10"


@pytest.mark.parametrize(
    "body",
    [
        {"vendor_id": str(uuid.uuid4())},
        {"repair_order_id": "not-a-uuid", "vendor_id": str(uuid.uuid4())},
        {"repair_order_id": str(uuid.uuid4()), "vendor_id": str(uuid.uuid4()), "x": 1},
        [],
    ],
)
async def test_create_refuses_bad_bodies(client, factory, users, body):
    response = await client.post(API, json=body, headers=factory.headers(users["clerk"]))
    assert_problem(response, 422, "validation_error")


async def test_create_names_the_missing_repair_order_or_vendor(client, factory, users):
    clerk = factory.headers(users["clerk"])
    order = await repair_order(factory)
    vendor = await factory.vendor()
    retired = await factory.vendor(active=False)
    for body, field in (
        ({"repair_order_id": str(uuid.uuid4()), "vendor_id": str(vendor.id)}, "repair_order_id"),
        ({"repair_order_id": str(order.id), "vendor_id": str(uuid.uuid4())}, "vendor_id"),
        ({"repair_order_id": str(order.id), "vendor_id": str(retired.id)}, "vendor_id"),
    ):
        problem = assert_problem(
            await client.post(API, json=body, headers=clerk), 422, "validation_error"
        )
        assert field in str(problem["errors"])


async def test_one_open_attempt_at_a_time(client, factory, users):
    attempt = await attempt_in(client, factory, users, "contacted")
    other = await factory.vendor()
    body = {"repair_order_id": attempt["repair_order_id"], "vendor_id": str(other.id)}
    response = await client.post(API, json=body, headers=factory.headers(users["clerk"]))
    assert_problem(response, 409, "conflict")


async def test_a_repair_order_not_diagnosed_cannot_go_out(client, factory, users):
    order = await repair_order(factory, status="assigned")
    vendor = await factory.vendor()
    body = {"repair_order_id": str(order.id), "vendor_id": str(vendor.id)}
    response = await client.post(API, json=body, headers=factory.headers(users["clerk"]))
    assert_problem(response, 409, "conflict")


async def test_a_cancelled_attempt_leaves_room_for_another(client, factory, users):
    clerk = factory.headers(users["clerk"])
    attempt = await attempt_in(client, factory, users, "contacted")
    cancelled = await client.post(
        f"{API}/{attempt['id']}/cancel", json={"reason": "station closed"}, headers=clerk
    )
    assert cancelled.json()["cancel_reason"] == "station closed"
    body = {"repair_order_id": attempt["repair_order_id"], "vendor_id": attempt["vendor_id"]}
    again = await client.post(API, json=body, headers=clerk)
    assert again.status_code == 201, again.text
    assert again.json()["attempt"] == 2  # the same station may be asked again: it did not fail


async def test_a_retried_create_with_the_same_key_makes_one_attempt(client, factory, users):
    order = await repair_order(factory)
    vendor = await factory.vendor()
    body = {"repair_order_id": str(order.id), "vendor_id": str(vendor.id)}
    headers = factory.headers(users["clerk"], **{"Idempotency-Key": "er-1"})
    first = await client.post(API, json=body, headers=headers)
    second = await client.post(API, json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    listed = await client.get(API, params={"repair_order_id": str(order.id)}, headers=headers)
    assert len(listed.json()["items"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"person": "Ms. Li", "channel": "pigeon", "notes": "x"},
        {"person": "", "channel": "phone", "notes": "x"},
        {"person": "Ms. Li", "channel": "phone"},
        {"person": "Ms. Li", "channel": "phone", "notes": "x\u0000"},
    ],
)
async def test_contact_refuses_bad_bodies(client, factory, users, body):
    await _refused(client, factory, users, "planned", "contact", body)


@pytest.mark.parametrize(
    "body", [{}, {"notes": ""}, {"notes": "x", "vendor_eta": "next week"}, {"reason": "x"}]
)
async def test_follow_up_refuses_bad_bodies(client, factory, users, body):
    await _refused(client, factory, users, "at_vendor", "follow_up", body)


async def test_cancel_needs_a_reason(client, factory, users):
    attempt = await attempt_in(client, factory, users, "planned")
    for body in ({}, {"reason": ""}, None):
        response = await client.post(
            f"{API}/{attempt['id']}/cancel", json=body, headers=factory.headers(users["clerk"])
        )
        assert_problem(response, 422, "validation_error")
