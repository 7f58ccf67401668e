"""Timelines and record lists are paged like every list: limit, cursor, {items, next_cursor},
oldest first, stable while entries are added (issue 7)."""

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from app.db.models import Event, Record
from tests.support import assert_problem

CUSTOMERS = "/api/v1/customers"


async def _write(client, factory, clerk, customer_id, body, kind="communication"):
    response = await client.post(
        f"{CUSTOMERS}/{customer_id}/records",
        json={"kind": kind, "body": body},
        headers=factory.headers(clerk),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _walk(client, headers, url, limit):
    items, cursor, pages = [], None, 0
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = await client.get(url + query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages


def _label(entry):
    return entry["record"]["body"] if entry["type"] == "record" else entry["action"]


async def test_a_long_timeline_comes_in_pages_that_add_up_to_the_whole(client, factory, users):
    clerk = users["clerk"]
    customer = await factory.customer()
    for n in range(7):
        await _write(client, factory, clerk, customer.id, f"call {n}")
    url, headers = f"{CUSTOMERS}/{customer.id}/timeline", factory.headers(clerk)

    whole = (await client.get(url + "?limit=200", headers=headers)).json()
    paged, pages = await _walk(client, headers, url, limit=3)

    assert whole["next_cursor"] is None
    assert [_label(e) for e in whole["items"]] == [f"call {n}" for n in range(7)]
    assert paged == whole["items"]
    assert pages == 3
    default = (await client.get(url, headers=headers)).json()
    assert len(default["items"]) == 7  # the default page (50) holds them all


async def test_events_and_records_of_the_same_instant_page_in_one_order(
    client, factory, users, sessionmaker
):
    """Ties on time are broken the same way on every page: events (by seq), then records."""
    clerk = users["clerk"]
    customer = await factory.customer()
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    async with sessionmaker() as session:
        for n in range(3):
            session.add(
                Event(
                    occurred_at=at,
                    actor_id=clerk.id,
                    object_type="customer",
                    object_id=customer.id,
                    customer_id=customer.id,
                    action=f"step{n}",
                )
            )
            await session.flush()
            session.add(
                Record(
                    object_type="customer",
                    object_id=customer.id,
                    kind="work",
                    body=f"note {n}",
                    author_id=clerk.id,
                    customer_id=customer.id,
                    created_at=at,
                )
            )
        await session.commit()
    url, headers = f"{CUSTOMERS}/{customer.id}/timeline", factory.headers(clerk)

    whole = (await client.get(url, headers=headers)).json()["items"]
    one_by_one, pages = await _walk(client, headers, url, limit=1)

    assert [_label(e) for e in whole][:3] == ["step0", "step1", "step2"]
    assert sorted(_label(e) for e in whole[3:]) == ["note 0", "note 1", "note 2"]
    assert one_by_one == whole
    assert pages == 6


async def test_entries_added_while_paging_never_shift_or_repeat_a_page(client, factory, users):
    clerk = users["clerk"]
    customer = await factory.customer()
    for n in range(4):
        await _write(client, factory, clerk, customer.id, f"call {n}")
    url, headers = f"{CUSTOMERS}/{customer.id}/timeline", factory.headers(clerk)

    first = (await client.get(url + "?limit=2", headers=headers)).json()
    await _write(client, factory, clerk, customer.id, "call 4")
    rest, _ = await _walk_from(client, headers, url, first["next_cursor"])

    labels = [_label(e) for e in first["items"] + rest]
    assert labels == [f"call {n}" for n in range(5)]


async def _walk_from(client, headers, url, cursor):
    items = []
    while cursor:
        page = (await client.get(f"{url}?limit=2&cursor={cursor}", headers=headers)).json()
        items += page["items"]
        cursor = page["next_cursor"]
    return items, None


async def test_records_list_is_paged_and_oldest_first(client, factory, users):
    clerk = users["clerk"]
    customer = await factory.customer()
    for n in range(5):
        await _write(client, factory, clerk, customer.id, f"call {n}")
    url, headers = f"{CUSTOMERS}/{customer.id}/records", factory.headers(clerk)

    records, pages = await _walk(client, headers, url, limit=2)

    assert [r["body"] for r in records] == [f"call {n}" for n in range(5)]
    assert pages == 3
    assert records[0]["author"] == {"id": str(clerk.id), "name": clerk.name, "role": "clerk"}


async def test_customers_list_no_internal_records(client, factory, users):
    clerk = users["clerk"]
    customer = await factory.customer()
    await _write(client, factory, clerk, customer.id, "told them", kind="communication")
    await _write(client, factory, clerk, customer.id, "pays late", kind="internal")
    own = await factory.user("customer", customer=customer)

    response = await client.get(f"{CUSTOMERS}/{customer.id}/records", headers=factory.headers(own))

    assert [r["body"] for r in response.json()["items"]] == ["told them"]
    assert "pays late" not in response.text


def _cursor(at, kind, key):
    raw = json.dumps({"t": at, "k": kind, "i": key}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "eyJ0IjoiMjAyNiJ9",
        _cursor("2026-01-01T00:00:00", 0, "1"),  # no offset
        _cursor("0001-01-01T00:00:00+14:00", 0, "1"),  # before the start of time in UTC
        _cursor("2026-01-01T00:00:00+00:00", 0, str(2**70)),
        _cursor("2026-01-01T00:00:00+00:00", 1, "not-a-uuid"),
        _cursor("2026-01-01T00:00:00+00:00", 2, "1"),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
    ],
)
async def test_a_damaged_cursor_is_a_422(client, factory, users, cursor):
    customer = await factory.customer()
    headers = factory.headers(users["clerk"])
    for path in ("timeline", "records"):
        response = await client.get(
            f"{CUSTOMERS}/{customer.id}/{path}?cursor={cursor}", headers=headers
        )
        assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize("limit", ["0", "201", "x"])
async def test_limit_outside_1_to_200_is_a_422(client, factory, users, limit):
    customer = await factory.customer()
    response = await client.get(
        f"{CUSTOMERS}/{customer.id}/timeline?limit={limit}", headers=factory.headers(users["clerk"])
    )
    assert_problem(response, 422, "validation_error")


async def test_a_timeline_cursor_is_refused_by_the_records_list(client, factory, users):
    clerk = users["clerk"]
    customer = await factory.customer()
    await client.patch(
        f"{CUSTOMERS}/{customer.id}",
        json={"phone": "1"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    await _write(client, factory, clerk, customer.id, "call")
    headers = factory.headers(clerk)
    page = (await client.get(f"{CUSTOMERS}/{customer.id}/timeline?limit=1", headers=headers)).json()
    assert page["items"][0]["type"] == "event"
    response = await client.get(
        f"{CUSTOMERS}/{customer.id}/records?cursor={page['next_cursor']}", headers=headers
    )
    assert_problem(response, 422, "validation_error")


async def test_unknown_object_is_404_for_both_routes(client, factory, users):
    headers = factory.headers(users["clerk"])
    for path in ("timeline", "records"):
        response = await client.get(f"{CUSTOMERS}/{uuid.uuid4()}/{path}", headers=headers)
        assert_problem(response, 404, "not_found")
