"""Records written against a customer, and the customer's timeline (SPEC §3)."""

import uuid

import pytest

from tests.support import assert_problem

URL = "/api/v1/customers"


async def _add(client, factory, user, customer_id, **body):
    return await client.post(
        f"{URL}/{customer_id}/records", json=body, headers=factory.headers(user)
    )


@pytest.mark.parametrize("kind", ["communication", "work", "internal"])
async def test_office_writes_records_of_every_kind(client, factory, users, kind):
    customer = await factory.customer()
    for author in (users["clerk"], users["supervisor"]):
        response = await _add(
            client,
            factory,
            author,
            customer.id,
            kind=kind,
            channel="phone",
            body="Customer called about the invoice",
        )

        assert response.status_code == 201, response.text
        record = response.json()
        assert record["object_type"] == "customer"
        assert record["object_id"] == str(customer.id)
        assert (record["kind"], record["channel"]) == (kind, "phone")
        assert record["body"] == "Customer called about the invoice"
        assert record["author_id"] == str(author.id)
        uuid.UUID(record["id"])


async def test_channel_is_optional(client, factory, clerk):
    customer = await factory.customer()
    response = await _add(client, factory, clerk, customer.id, kind="work", body="Note")
    assert response.status_code == 201, response.text
    assert response.json()["channel"] is None


async def test_adding_a_record_does_not_change_the_customer_version(client, factory, clerk):
    customer = await factory.customer()
    await _add(client, factory, clerk, customer.id, kind="work", body="Note")
    fetched = await client.get(f"{URL}/{customer.id}", headers=factory.headers(clerk))
    assert fetched.headers["etag"] == '"1"'


BAD_RECORDS = [
    {"kind": "gossip", "body": "x"},
    {"kind": "work", "channel": "pigeon", "body": "x"},
    {"kind": "work", "body": ""},
    {"kind": "work", "body": "   "},
    {"kind": "work"},
    {"body": "no kind"},
    {"kind": "work", "body": "x", "author_id": str(uuid.uuid4())},
    {"kind": "work", "body": "a\u0000b"},
    {"kind": "work", "body": "x" * 10_001},
    {"kind": "work", "body": 5},
    {"kind": ["work"], "body": "x"},
    {"kind": None, "body": "x"},
]


async def test_bad_record_is_422_and_writes_nothing(client, factory, clerk):
    customer = await factory.customer()
    for body in BAD_RECORDS:
        response = await _add(client, factory, clerk, customer.id, **body)
        assert response.status_code == 422, (body, response.text)
        assert_problem(response, 422, "validation_error")
    timeline = await client.get(f"{URL}/{customer.id}/timeline", headers=factory.headers(clerk))
    assert timeline.json()["items"] == []


async def test_record_for_unknown_customer_is_404(client, factory, clerk):
    response = await _add(client, factory, clerk, uuid.uuid4(), kind="work", body="x")
    assert_problem(response, 404, "not_found")


async def _history(client, factory, clerk) -> tuple[uuid.UUID, list[str]]:
    """created → communication → updated → internal → work, written in that order."""
    created = await client.post(
        URL, json={"code": "C-HIST", "name": "History Ltd"}, headers=factory.headers(clerk)
    )
    customer_id = created.json()["id"]
    await _add(client, factory, clerk, customer_id, kind="communication", body="first call")
    await client.patch(
        f"{URL}/{customer_id}",
        json={"phone": "555"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    await _add(client, factory, clerk, customer_id, kind="internal", body="pays late")
    await _add(client, factory, clerk, customer_id, kind="work", body="sent a quote")
    return customer_id, ["created", "first call", "updated", "pays late", "sent a quote"]


def _labels(entries):
    return [e["action"] if e["type"] == "event" else e["record"]["body"] for e in entries]


@pytest.mark.parametrize("role", ["engineer", "clerk", "supervisor"])
async def test_staff_see_the_whole_timeline_in_order(client, factory, users, role):
    customer_id, expected = await _history(client, factory, users["clerk"])

    response = await client.get(
        f"{URL}/{customer_id}/timeline", headers=factory.headers(users[role])
    )

    assert response.status_code == 200, response.text
    entries = response.json()["items"]
    assert _labels(entries) == expected
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert all(e["actor_id"] == str(users["clerk"].id) for e in entries)
    assert entries[2]["changes"] == {"phone": [None, "555"]}


async def test_customer_user_never_sees_internal_records(client, factory, clerk):
    customer_id, expected = await _history(client, factory, clerk)
    own_user = await factory.user("customer", customer_id=uuid.UUID(customer_id))

    response = await client.get(f"{URL}/{customer_id}/timeline", headers=factory.headers(own_user))

    assert response.status_code == 200, response.text
    assert _labels(response.json()["items"]) == [e for e in expected if e != "pays late"]
    assert "pays late" not in response.text
    assert "internal" not in {e["record"]["kind"] for e in response.json()["items"] if e["record"]}
    # The office still sees it.
    staff_view = await client.get(f"{URL}/{customer_id}/timeline", headers=factory.headers(clerk))
    assert "pays late" in staff_view.text


async def test_customer_user_cannot_read_another_companys_timeline(client, factory, users):
    customer_id, _ = await _history(client, factory, users["clerk"])
    response = await client.get(
        f"{URL}/{customer_id}/timeline", headers=factory.headers(users["customer"])
    )
    assert_problem(response, 404, "not_found")


async def test_timeline_of_unknown_customer_is_404(client, factory, clerk):
    response = await client.get(f"{URL}/{uuid.uuid4()}/timeline", headers=factory.headers(clerk))
    assert_problem(response, 404, "not_found")
