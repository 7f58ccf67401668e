"""Per-vendor figures (office only): open attempts, units there now, overdue, days there."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.external_repairs.helpers import API, RECEIVE, attempt_in, set_columns
from tests.http.test_query_counts import count_queries
from tests.support import assert_problem


async def test_figures_count_what_is_at_each_station(client, factory, users):
    clerk = factory.headers(users["clerk"])
    busy, quiet = await factory.vendor(), await factory.vendor()
    now = datetime.now(UTC)
    there = await attempt_in(client, factory, users, "at_vendor", vendor=busy)
    late = await attempt_in(client, factory, users, "at_vendor", vendor=busy)
    await attempt_in(client, factory, users, "planned", vendor=busy)
    back = await attempt_in(client, factory, users, "at_vendor", vendor=busy)
    await set_columns(factory, there["id"], sent_at=now - timedelta(days=2))
    await set_columns(
        factory,
        late["id"],
        sent_at=now - timedelta(days=10),
        expected_back_at=now - timedelta(days=1),
    )
    await client.post(f"{API}/{back['id']}/receive", json=RECEIVE, headers=clerk)
    await set_columns(
        factory, back["id"], sent_at=now - timedelta(days=5), returned_at=now - timedelta(days=1)
    )

    response = await client.get(f"/api/v1/vendors/{busy.id}/figures", headers=clerk)
    assert response.status_code == 200, response.text
    figures = response.json()
    assert figures["vendor"] == {"id": str(busy.id), "name": busy.name}
    assert (figures["open_attempts"], figures["at_vendor"], figures["overdue"]) == (3, 2, 1)
    assert figures["days_at_vendor"] == pytest.approx(2 + 10 + 4, abs=0.2)

    listed = await client.get(f"{API}/vendor-figures", params={"limit": 200}, headers=clerk)
    assert listed.status_code == 200, listed.text
    by_id = {f["vendor"]["id"]: f for f in listed.json()["items"]}
    assert by_id[str(busy.id)] == figures
    assert by_id[str(quiet.id)]["open_attempts"] == 0
    assert by_id[str(quiet.id)]["days_at_vendor"] == 0


async def test_figures_are_for_the_office(client, factory, users):
    vendor = await factory.vendor()
    for path in (f"/api/v1/vendors/{vendor.id}/figures", f"{API}/vendor-figures"):
        engineer = await client.get(path, headers=factory.headers(users["engineer"]))
        assert_problem(engineer, 403, "forbidden")
        customer = await client.get(path, headers=factory.headers(users["customer"]))
        assert_problem(customer, 404, "not_found")
        supervisor = await client.get(path, headers=factory.headers(users["supervisor"]))
        assert supervisor.status_code == 200, supervisor.text
    unknown = await client.get(
        "/api/v1/vendors/00000000-0000-0000-0000-000000000000/figures",
        headers=factory.headers(users["clerk"]),
    )
    assert_problem(unknown, 404, "not_found")


async def _fill(client, factory, users, n):
    for _ in range(n):
        attempt = await attempt_in(client, factory, users, "at_vendor", owner=users["clerk"])
        await client.post(
            f"{API}/{attempt['id']}/follow_up",
            json={"notes": "rang"},
            headers=factory.headers(await factory.user("clerk")),
        )


@pytest.mark.parametrize("path", [API, f"{API}/vendor-figures"])
async def test_lists_run_a_constant_number_of_queries(client, factory, users, engine, path):
    clerk = factory.headers(users["clerk"])
    await _fill(client, factory, users, 2)
    with count_queries(engine) as few:
        assert (await client.get(path, params={"limit": 200}, headers=clerk)).status_code == 200
    await _fill(client, factory, users, 8)
    with count_queries(engine) as many:
        response = await client.get(path, params={"limit": 200}, headers=clerk)
    assert len(response.json()["items"]) >= 8
    assert len(many) == len(few), many
