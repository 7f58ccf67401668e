"""List endpoints run a constant number of queries, however many rows a page holds (no N+1)."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.db.reference_cache import _CACHES
from tests.service_orders.helpers import API, order_body


@contextmanager
def count_queries(engine, cold: bool = True):
    """The statements sent inside the block. With `cold`, the per-process caches are dropped
    first (app/db/reference_cache.py), so counts are the worst case and do not depend on what
    an earlier request happened to cache."""
    if cold:
        for cache in _CACHES.get(engine.sync_engine, {}).values():
            cache.invalidate()
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


async def _grow_history(client, factory, users, order_id: str, n: int) -> None:
    """n more records on the order, each by a different engineer, plus the events they write."""
    clerk = factory.headers(users["clerk"])
    for _ in range(n):
        engineer = await factory.user("engineer")
        await client.post(
            f"{API}/{order_id}/assign", json={"assignee_id": str(engineer.id)}, headers=clerk
        )
        await client.post(
            f"{API}/{order_id}/records",
            json={"kind": "work", "body": "step"},
            headers=factory.headers(engineer),
        )


@pytest.mark.parametrize("path", ["timeline", "records"])
async def test_history_query_count_does_not_grow_with_entries_or_people(
    client, factory, users, engine, path
):
    """Entries name their actors by display summary, loaded in one query per page."""
    customer = await factory.customer()
    clerk = factory.headers(users["clerk"])
    created = await client.post(API, json=order_body(customer.id), headers=clerk)
    order_id = created.json()["id"]
    await _grow_history(client, factory, users, order_id, 2)
    with count_queries(engine) as few:
        assert (await client.get(f"{API}/{order_id}/{path}?limit=200", headers=clerk)).is_success
    await _grow_history(client, factory, users, order_id, 10)
    with count_queries(engine) as many:
        response = await client.get(f"{API}/{order_id}/{path}?limit=200", headers=clerk)
    assert len(response.json()["items"]) >= 10
    assert (
        len(
            {
                e["author"]["id"] if path == "records" else e["actor"]["id"]
                for e in response.json()["items"]
            }
        )
        >= 10
    )
    assert len(many) == len(few), many


async def test_event_feed_and_my_work_query_counts_do_not_grow(client, factory, users, engine):
    customer = await factory.customer()
    engineer = factory.headers(users["engineer"])
    clerk = factory.headers(users["clerk"])

    async def assign_orders(n: int) -> None:
        for _ in range(n):
            created = await client.post(API, json=order_body(customer.id), headers=clerk)
            await client.post(
                f"{API}/{created.json()['id']}/assign",
                json={"assignee_id": str(users["engineer"].id)},
                headers=factory.headers(await factory.user("clerk")),
            )

    await assign_orders(2)
    with count_queries(engine) as few_feed:
        assert (await client.get("/api/v1/events?limit=200", headers=clerk)).is_success
    with count_queries(engine) as few_work:
        assert (await client.get("/api/v1/users/me/work", headers=engineer)).is_success
    await assign_orders(10)
    with count_queries(engine) as many_feed:
        feed = await client.get("/api/v1/events?limit=200", headers=clerk)
    with count_queries(engine) as many_work:
        work = await client.get("/api/v1/users/me/work", headers=engineer)
    assert len(work.json()["items"]) == 12
    assert len({e["actor"]["id"] for e in feed.json()["items"]}) >= 10
    assert (len(many_feed), len(many_work)) == (len(few_feed), len(few_work))
