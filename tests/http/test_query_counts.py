"""List endpoints run a constant number of queries, however many rows a page holds (no N+1)."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.service_orders.helpers import API, order_body


@contextmanager
def count_queries(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def _fill(client, factory, users, n: int, customer) -> None:
    clerk = factory.headers(users["clerk"])
    for _ in range(n):
        await factory.customer()
        await factory.user("engineer")
        await factory.device(customer)
        await factory.vendor()
        created = await client.post(API, json=order_body(customer.id), headers=clerk)
        assert created.status_code == 201
        await client.post(
            f"{API}/{created.json()['id']}/hold", json={"reason": "wait"}, headers=clerk
        )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/service-orders",
        "/api/v1/devices",
        "/api/v1/vendors",
        "/api/v1/customers",
        "/api/v1/users",
    ],
)
async def test_list_query_count_does_not_grow_with_rows(client, factory, users, engine, path):
    customer = await factory.customer()
    clerk = factory.headers(users["clerk"])
    await _fill(client, factory, users, 2, customer)
    with count_queries(engine) as few:
        assert (await client.get(f"{path}?limit=200", headers=clerk)).status_code == 200
    await _fill(client, factory, users, 12, customer)
    with count_queries(engine) as many:
        response = await client.get(f"{path}?limit=200", headers=clerk)
    assert response.status_code == 200
    assert len(response.json()["items"]) >= 12
    assert len(many) == len(few), many
