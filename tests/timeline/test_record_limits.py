"""A customer's record-writing is size- and rate-limited; staff keep the full record size."""

import pytest

from tests.conftest import build_app, client_for
from tests.service_orders.helpers import API, order_body
from tests.support import assert_problem


@pytest.fixture
async def strict(engine):
    """An app that lets a customer write three messages an hour of at most 50 characters."""
    app = build_app(engine, customer_records_per_hour=3, customer_record_max_chars=50)
    async with client_for(app) as client:
        yield client


async def _portal_order(client, factory, customer_user):
    response = await client.post(
        API,
        json=order_body(customer_user.customer_id, channel="portal"),
        headers=factory.headers(customer_user),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _message(body):
    return {"kind": "communication", "body": body}


async def test_a_customer_message_over_the_limit_is_422_and_writes_nothing(strict, factory, users):
    me = users["customer"]
    order_id = await _portal_order(strict, factory, me)

    response = await strict.post(
        f"{API}/{order_id}/records", json=_message("x" * 51), headers=factory.headers(me)
    )

    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "body"
    listed = await strict.get(f"{API}/{order_id}/records", headers=factory.headers(me))
    assert listed.json()["items"] == []
    ok = await strict.post(
        f"{API}/{order_id}/records", json=_message("x" * 50), headers=factory.headers(me)
    )
    assert ok.status_code == 201, ok.text


async def test_staff_may_write_full_size_records(strict, factory, users):
    me = users["customer"]
    order_id = await _portal_order(strict, factory, me)
    response = await strict.post(
        f"{API}/{order_id}/records",
        json={"kind": "work", "body": "y" * 10_000},
        headers=factory.headers(users["clerk"]),
    )
    assert response.status_code == 201, response.text


async def test_a_customer_writing_too_fast_gets_429_with_retry_after(strict, factory, users):
    me = users["customer"]
    order_id = await _portal_order(strict, factory, me)
    for n in range(3):
        response = await strict.post(
            f"{API}/{order_id}/records", json=_message(f"hello {n}"), headers=factory.headers(me)
        )
        assert response.status_code == 201, response.text

    refused = await strict.post(
        f"{API}/{order_id}/records", json=_message("hello 3"), headers=factory.headers(me)
    )

    assert_problem(refused, 429, "too_many_requests")
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    listed = await strict.get(f"{API}/{order_id}/records", headers=factory.headers(me))
    assert [r["body"] for r in listed.json()["items"]] == ["hello 0", "hello 1", "hello 2"]
    # The limit is the writer's own: a colleague and the office still write.
    colleague = await factory.user("customer", customer_id=me.customer_id)
    other = await strict.post(
        f"{API}/{order_id}/records", json=_message("me too"), headers=factory.headers(colleague)
    )
    assert other.status_code == 201, other.text
    for _ in range(4):
        office = await strict.post(
            f"{API}/{order_id}/records",
            json={"kind": "communication", "body": "called back"},
            headers=factory.headers(users["clerk"]),
        )
        assert office.status_code == 201, office.text


async def test_default_limits_are_2000_characters_and_30_an_hour(app):
    settings = app.state.settings
    assert (settings.customer_record_max_chars, settings.customer_records_per_hour) == (2000, 30)
