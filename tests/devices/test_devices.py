"""Devices: create, read, list, change, uniqueness, the owning customer, filters and paging."""

import asyncio
import uuid
from datetime import date

import pytest

from tests.support import assert_problem

URL = "/api/v1/devices"


def new_device(customer_id, **fields):
    return {
        "customer_id": str(customer_id),
        "serial_number": f"SN-{uuid.uuid4().hex[:8]}",
        "model": "CNC-500",
        **fields,
    }


async def test_create_returns_the_device_with_version_etag_and_actions(client, factory, clerk):
    customer = await factory.customer()
    body = new_device(
        customer.id,
        configuration="spindle 12k rpm, 4 axes",
        purchased_at="2025-03-01",
        warranty_until="2027-02-28",
        external_ref="ERP-D-1",
    )

    response = await client.post(URL, json=body, headers=factory.headers(clerk))

    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    created = response.json()
    assert {k: created[k] for k in body} == body
    assert created["version"] == 1
    assert created["allowed_actions"] == ["update"]
    fetched = await client.get(f"{URL}/{created['id']}", headers=factory.headers(clerk))
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == '"1"'
    assert fetched.json() == created


async def test_only_customer_serial_and_model_are_required(client, factory, users):
    customer = await factory.customer()
    response = await client.post(
        URL, json=new_device(customer.id), headers=factory.headers(users["supervisor"])
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [body[k] for k in ("configuration", "purchased_at", "warranty_until")] == [None] * 3


async def test_creation_is_on_the_device_timeline(client, factory, clerk):
    customer = await factory.customer()
    created = await client.post(URL, json=new_device(customer.id), headers=factory.headers(clerk))
    timeline = await client.get(
        f"{URL}/{created.json()['id']}/timeline", headers=factory.headers(clerk)
    )
    assert timeline.status_code == 200
    [entry] = timeline.json()["items"]
    assert (entry["action"], entry["actor_id"]) == ("created", str(clerk.id))
    assert entry["changes"]["serial_number"] == created.json()["serial_number"]


async def test_patch_changes_fields_bumps_version_and_logs_an_update(client, factory, clerk):
    customer = await factory.customer()
    device = await factory.device(customer, model="Old", warranty_until=date(2026, 1, 31))

    response = await client.patch(
        f"{URL}/{device.id}",
        json={"model": "New", "warranty_until": "2027-01-31", "configuration": "8 GB"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert (body["model"], body["warranty_until"], body["configuration"]) == (
        "New",
        "2027-01-31",
        "8 GB",
    )
    assert body["version"] == 2
    fetched = await client.get(f"{URL}/{device.id}", headers=factory.headers(clerk))
    assert (fetched.headers["etag"], fetched.json()["model"]) == ('"2"', "New")
    assert fetched.json() == body  # the PATCH answered with what was stored

    timeline = await client.get(f"{URL}/{device.id}/timeline", headers=factory.headers(clerk))
    [update] = [e for e in timeline.json()["items"] if e["action"] == "updated"]
    assert update["actor_id"] == str(clerk.id)
    assert update["changes"] == {
        "model": ["Old", "New"],
        "warranty_until": ["2026-01-31", "2027-01-31"],
        "configuration": [None, "8 GB"],
    }


async def test_device_can_move_to_another_customer(client, factory, clerk):
    first, second = await factory.customer(), await factory.customer()
    device = await factory.device(first)
    response = await client.patch(
        f"{URL}/{device.id}",
        json={"customer_id": str(second.id)},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["customer_id"] == str(second.id)
    listed = await client.get(
        URL, params={"customer_id": str(second.id)}, headers=factory.headers(clerk)
    )
    assert [d["id"] for d in listed.json()["items"]] == [str(device.id)]


async def test_unknown_device_is_404(client, factory, clerk):
    headers = factory.headers(clerk)
    for path in ("", "/warranty", "/timeline"):
        assert_problem(await client.get(f"{URL}/{uuid.uuid4()}{path}", headers=headers), 404)
    assert_problem(await client.get(f"{URL}/123", headers=headers), 422)


# --- the owning customer ----------------------------------------------------------------------


async def test_unknown_customer_is_422_naming_customer_id(client, factory, clerk):
    response = await client.post(URL, json=new_device(uuid.uuid4()), headers=factory.headers(clerk))
    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["customer_id"]
    listed = await client.get(URL, headers=factory.headers(clerk))
    assert listed.json()["items"] == []


async def test_moving_to_an_unknown_customer_is_422_and_changes_nothing(client, factory, clerk):
    customer = await factory.customer()
    device = await factory.device(customer)
    response = await client.patch(
        f"{URL}/{device.id}",
        json={"customer_id": str(uuid.uuid4())},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["customer_id"]
    after = await client.get(f"{URL}/{device.id}", headers=factory.headers(clerk))
    assert (after.json()["customer_id"], after.json()["version"]) == (str(customer.id), 1)


# --- warranty dates ---------------------------------------------------------------------------


async def test_warranty_before_purchase_is_422_on_create(client, factory, clerk):
    customer = await factory.customer()
    response = await client.post(
        URL,
        json=new_device(customer.id, purchased_at="2025-03-01", warranty_until="2025-02-28"),
        headers=factory.headers(clerk),
    )
    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["warranty_until"]
    listed = await client.get(URL, headers=factory.headers(clerk))
    assert listed.json()["items"] == []


async def test_warranty_on_the_purchase_day_is_allowed(client, factory, clerk):
    customer = await factory.customer()
    response = await client.post(
        URL,
        json=new_device(customer.id, purchased_at="2025-03-01", warranty_until="2025-03-01"),
        headers=factory.headers(clerk),
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "patch",
    [
        {"warranty_until": "2025-02-28"},  # against the stored purchase date
        {"purchased_at": "2026-01-01"},  # against the stored warranty date
        {"purchased_at": "2024-06-01", "warranty_until": "2024-05-31"},  # both in the body
    ],
)
async def test_warranty_before_purchase_is_422_on_patch(client, factory, clerk, patch):
    customer = await factory.customer()
    device = await factory.device(
        customer, purchased_at=date(2025, 3, 1), warranty_until=date(2025, 12, 31)
    )
    response = await client.patch(
        f"{URL}/{device.id}",
        json=patch,
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["warranty_until"]
    after = (await client.get(f"{URL}/{device.id}", headers=factory.headers(clerk))).json()
    assert (after["purchased_at"], after["warranty_until"], after["version"]) == (
        "2025-03-01",
        "2025-12-31",
        1,
    )


async def test_clearing_the_purchase_date_lifts_the_check(client, factory, clerk):
    customer = await factory.customer()
    device = await factory.device(
        customer, purchased_at=date(2025, 3, 1), warranty_until=date(2025, 12, 31)
    )
    response = await client.patch(
        f"{URL}/{device.id}",
        json={"purchased_at": None, "warranty_until": "2020-01-01"},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["purchased_at"], response.json()["warranty_until"]) == (
        None,
        "2020-01-01",
    )


# --- uniqueness -------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["serial_number", "external_ref"])
async def test_duplicate_unique_value_on_create_is_409_naming_the_field(
    client, factory, clerk, field
):
    customer = await factory.customer()
    await factory.device(customer, serial_number="SN-TAKEN", external_ref="REF-TAKEN")
    value = {"serial_number": "SN-TAKEN", "external_ref": "REF-TAKEN"}[field]

    response = await client.post(
        URL, json=new_device(customer.id, **{field: value}), headers=factory.headers(clerk)
    )

    assert assert_problem(response, 409, "conflict")["field"] == field
    listed = await client.get(URL, headers=factory.headers(clerk))
    assert len(listed.json()["items"]) == 1


@pytest.mark.parametrize("field", ["serial_number", "external_ref"])
async def test_duplicate_unique_value_on_patch_is_409_and_changes_nothing(
    client, factory, clerk, field
):
    customer = await factory.customer()
    await factory.device(customer, serial_number="SN-TAKEN", external_ref="REF-TAKEN")
    mine = await factory.device(customer, serial_number="SN-MINE", external_ref="REF-MINE")
    value = {"serial_number": "SN-TAKEN", "external_ref": "REF-TAKEN"}[field]

    response = await client.patch(
        f"{URL}/{mine.id}",
        json={field: value},
        headers=factory.headers(clerk, **{"If-Match": '"1"'}),
    )

    assert assert_problem(response, 409, "conflict")["field"] == field
    after = (await client.get(f"{URL}/{mine.id}", headers=factory.headers(clerk))).json()
    assert (after["serial_number"], after["external_ref"], after["version"]) == (
        "SN-MINE",
        "REF-MINE",
        1,
    )


async def test_serial_number_is_unique_across_customers(client, factory, clerk):
    first, second = await factory.customer(), await factory.customer()
    await factory.device(first, serial_number="SN-1")
    response = await client.post(
        URL,
        json=new_device(second.id, serial_number="SN-1"),
        headers=factory.headers(clerk),
    )
    assert assert_problem(response, 409, "conflict")["field"] == "serial_number"


async def test_longest_serial_number_is_stored(client, factory, clerk):
    customer = await factory.customer()
    serial = "S" * 100
    response = await client.post(
        URL, json=new_device(customer.id, serial_number=serial), headers=factory.headers(clerk)
    )
    assert response.status_code == 201, response.text
    assert response.json()["serial_number"] == serial


# --- filters ----------------------------------------------------------------------------------


@pytest.fixture
async def fleet(factory):
    """Two customers' devices with different warranty situations."""
    acme, globex = await factory.customer(name="Acme"), await factory.customer(name="Globex")
    await factory.device(
        acme,
        serial_number="SN-ACME-1",
        model="CNC-500",
        warranty_until=date(2026, 6, 30),
        external_ref="ERP-1",
    )
    await factory.device(
        acme, serial_number="SN-ACME-2", model="Printer P2", warranty_until=date(2024, 1, 9)
    )
    await factory.device(globex, serial_number="SN-GLOBEX-1", model="Scanner 100%")
    return {"acme": acme, "globex": globex}


FILTER_CASES = [
    ({"customer_id": "acme"}, ["SN-ACME-1", "SN-ACME-2"]),
    ({"customer_id": "globex"}, ["SN-GLOBEX-1"]),
    ({"customer_id": str(uuid.UUID(int=1))}, []),
    ({"serial_number": "SN-ACME-2"}, ["SN-ACME-2"]),
    ({"serial_number": "sn-acme-2"}, []),  # exact
    ({"external_ref": "ERP-1"}, ["SN-ACME-1"]),
    ({"q": "acme"}, ["SN-ACME-1", "SN-ACME-2"]),  # serial number, any case
    ({"q": "printer"}, ["SN-ACME-2"]),  # model
    ({"q": "100%"}, ["SN-GLOBEX-1"]),
    ({"q": "%"}, ["SN-GLOBEX-1"]),  # literal, not a wildcard
    ({"in_warranty_on": "2026-06-30"}, ["SN-ACME-1"]),  # the last day counts
    ({"in_warranty_on": "2026-07-01"}, []),
    ({"in_warranty_on": "2024-01-09"}, ["SN-ACME-1", "SN-ACME-2"]),  # no date: never
    ({"in_warranty_on": "2024-01-09", "q": "printer"}, ["SN-ACME-2"]),  # filters combine
    ({"customer_id": "globex", "q": "acme"}, []),
]


async def test_filters(client, factory, clerk, fleet):
    for params, expected in FILTER_CASES:
        if params.get("customer_id") in fleet:
            params = {**params, "customer_id": str(fleet[params["customer_id"]].id)}
        response = await client.get(URL, params=params, headers=factory.headers(clerk))
        assert response.status_code == 200, response.text
        assert sorted(d["serial_number"] for d in response.json()["items"]) == expected, params


async def test_bad_filter_values_are_422(client, factory, clerk):
    headers = factory.headers(clerk)
    for params in [
        {"customer_id": "acme"},
        {"customer_id": "5"},
        {"in_warranty_on": "tomorrow"},
        {"in_warranty_on": "2026-02-30"},
        {"in_warranty_on": "0"},
        {"q": "x" * 201},
        {"serial_number": "x" * 201},
        {"external_ref": "x" * 101},
        {"updated_after": "2026-01-01T00:00:00"},
    ]:
        response = await client.get(URL, params=params, headers=headers)
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == next(iter(params)), params


async def test_updated_after_returns_only_later_changes(client, factory, clerk, fleet):
    headers = factory.headers(clerk)
    everything = (await client.get(URL, params={"sort": "updated_at"}, headers=headers)).json()
    since = everything["items"][-1]["updated_at"]
    newer = await factory.device(fleet["globex"], serial_number="SN-NEW")

    response = await client.get(URL, params={"updated_after": since}, headers=headers)

    assert [d["id"] for d in response.json()["items"]] == [str(newer.id)]


# --- sorting and paging -----------------------------------------------------------------------


async def test_sort(client, factory, clerk, fleet):
    for sort, expected in [
        ("serial_number", ["SN-ACME-1", "SN-ACME-2", "SN-GLOBEX-1"]),
        ("-serial_number", ["SN-GLOBEX-1", "SN-ACME-2", "SN-ACME-1"]),
        ("created_at", ["SN-ACME-1", "SN-ACME-2", "SN-GLOBEX-1"]),
        ("-created_at", ["SN-GLOBEX-1", "SN-ACME-2", "SN-ACME-1"]),
        ("-updated_at", ["SN-GLOBEX-1", "SN-ACME-2", "SN-ACME-1"]),
    ]:
        response = await client.get(URL, params={"sort": sort}, headers=factory.headers(clerk))
        assert response.status_code == 200, response.text
        assert [d["serial_number"] for d in response.json()["items"]] == expected, sort


async def test_unknown_sort_is_422(client, factory, clerk):
    for sort in ["name", "customer_id", "warranty", "-"]:
        response = await client.get(URL, params={"sort": sort}, headers=factory.headers(clerk))
        assert assert_problem(response, 422, "validation_error")["errors"][0]["field"] == "sort"


async def test_cursor_walks_every_row_once_even_with_inserts_between_pages(client, factory, clerk):
    headers = factory.headers(clerk)
    customer = await factory.customer()
    for i in range(7):
        await factory.device(customer, serial_number=f"SN-{i:02d}")
    for sort in ["created_at", "-serial_number", "serial_number", "updated_at"]:
        before = {
            d["serial_number"] for d in (await client.get(URL, headers=headers)).json()["items"]
        }
        seen: list[str] = []
        cursor = None
        for page_number in range(30):
            params = {"limit": 2, "sort": sort} | ({"cursor": cursor} if cursor else {})
            page = (await client.get(URL, params=params, headers=headers)).json()
            assert len(page["items"]) <= 2
            seen += [d["serial_number"] for d in page["items"]]
            if page_number == 1:  # arrivals between page fetches shift nothing
                await factory.device(customer, serial_number=f"SN-05-{sort}")
                await factory.device(customer, serial_number=f"SN-00-{sort}")
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), sort
        assert before <= set(seen), sort


async def test_limit_bounds(client, factory, clerk):
    headers = factory.headers(clerk)
    for limit in ("0", "201", "-5", "ten"):
        response = await client.get(URL, params={"limit": limit}, headers=headers)
        assert assert_problem(response, 422)["errors"][0]["field"] == "limit"
    for limit in ("1", "200"):
        assert (await client.get(URL, params={"limit": limit}, headers=headers)).status_code == 200


async def test_bad_cursors_are_422(client, factory, clerk, fleet):
    headers = factory.headers(clerk)
    first = await client.get(URL, params={"limit": 1, "sort": "serial_number"}, headers=headers)
    from_other_sort = first.json()["next_cursor"]
    for params in [
        {"cursor": "!!!"},
        {"cursor": "eyJ4IjogMX0"},  # {"x": 1}
        {"cursor": from_other_sort},
        {"cursor": from_other_sort, "sort": "-serial_number"},
    ]:
        response = await client.get(URL, params=params, headers=headers)
        assert assert_problem(response, 422)["errors"][0]["field"] == "cursor", params


async def test_two_registrations_of_one_serial_at_once_one_wins(client, factory, clerk):
    customer = await factory.customer()
    headers = factory.headers(clerk)
    body = {"customer_id": str(customer.id), "serial_number": "SN-RACE", "model": "M"}

    responses = await asyncio.gather(*(client.post(URL, json=body, headers=headers) for _ in "ab"))

    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    assert_problem(next(r for r in responses if r.status_code == 409), 409)
    listed = await client.get(URL, params={"serial_number": "SN-RACE"}, headers=headers)
    assert len(listed.json()["items"]) == 1
