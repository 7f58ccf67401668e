"""What every list shares (app/domain/filters.py): the created/updated ranges, and an unknown
filter refused rather than ignored (a misspelt filter would list everything)."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.service_orders.helpers import order_body
from tests.support import assert_problem

LISTS = ("customers", "devices", "vendors", "users", "service-orders")


async def _one_of_each(factory) -> None:
    customer = await factory.customer()
    await factory.device(customer)
    await factory.vendor()


@pytest.mark.parametrize("resource", LISTS)
async def test_every_list_filters_by_created_and_updated_ranges(client, factory, users, resource):
    await _one_of_each(factory)
    headers = factory.headers(users["supervisor"])
    if resource == "service-orders":
        body = order_body(users["customer"].customer_id)
        assert (await client.post("/api/v1/service-orders", json=body, headers=headers)).is_success
    url = f"/api/v1/{resource}"

    async def count(**params: str) -> int:
        response = await client.get(url, params={"limit": 200, **params}, headers=headers)
        assert response.status_code == 200, response.text
        return len(response.json()["items"])

    everything = await count()
    assert everything >= 1
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    long_ago = "2000-01-01T00:00:00+08:00"
    assert await count(created_before=soon) == everything
    assert await count(created_after=soon) == 0
    assert await count(created_after=long_ago, created_before=soon) == everything
    assert await count(updated_before=soon) == everything
    assert await count(updated_before=long_ago) == 0


@pytest.mark.parametrize("resource", LISTS)
async def test_every_list_refuses_an_unknown_filter(client, factory, users, resource):
    headers = factory.headers(users["supervisor"])
    response = await client.get(
        f"/api/v1/{resource}", params={"limit": 5, "nmae": "x"}, headers=headers
    )
    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["nmae"]
