"""GET /devices/{id}/warranty?on=DATE: is the device in warranty on that day?"""

from datetime import date, timedelta

import pytest

from tests.support import assert_problem

URL = "/api/v1/devices"


@pytest.mark.parametrize(
    ("on", "in_warranty", "days_remaining"),
    [
        ("2025-03-01", True, 365),  # purchase day
        ("2025-12-31", True, 60),  # well inside
        ("2026-03-01", True, 0),  # the last day is included
        ("2026-03-02", False, 0),  # the day after
        ("2030-01-01", False, 0),  # long after
    ],
)
async def test_warranty_on_a_day(client, factory, clerk, on, in_warranty, days_remaining):
    customer = await factory.customer()
    device = await factory.device(
        customer, purchased_at=date(2025, 3, 1), warranty_until=date(2026, 3, 1)
    )

    response = await client.get(
        f"{URL}/{device.id}/warranty", params={"on": on}, headers=factory.headers(clerk)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["device_id"] == str(device.id)
    assert body["on"] == on
    assert body["warranty_until"] == "2026-03-01"
    assert body["in_warranty"] is in_warranty
    assert body["days_remaining"] == days_remaining
    assert "2026-03-01" in body["basis"]


async def test_no_warranty_date_means_not_in_warranty(client, factory, users):
    customer = await factory.customer()
    device = await factory.device(customer, purchased_at=date(2025, 3, 1))
    response = await client.get(
        f"{URL}/{device.id}/warranty",
        params={"on": "2025-03-02"},
        headers=factory.headers(users["engineer"]),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["in_warranty"], body["warranty_until"], body["days_remaining"]) == (
        False,
        None,
        None,
    )
    assert body["basis"]


async def test_default_day_is_today_in_the_business_time_zone(client, factory, clerk, app):
    today = app.state.settings.business_today()
    customer = await factory.customer()
    device = await factory.device(customer, warranty_until=today + timedelta(days=3))
    response = await client.get(f"{URL}/{device.id}/warranty", headers=factory.headers(clerk))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["on"] == today.isoformat()
    assert (body["in_warranty"], body["days_remaining"]) == (True, 3)


async def test_warranty_follows_a_patched_date(client, factory, users):
    customer = await factory.customer()
    device = await factory.device(customer, warranty_until=date(2025, 1, 1))
    await client.patch(
        f"{URL}/{device.id}",
        json={"warranty_until": "2027-01-01"},
        headers=factory.headers(users["supervisor"], **{"If-Match": '"1"'}),
    )
    response = await client.get(
        f"{URL}/{device.id}/warranty",
        params={"on": "2026-01-01"},
        headers=factory.headers(users["clerk"]),
    )
    assert response.json()["in_warranty"] is True


async def test_bad_day_is_422(client, factory, clerk):
    customer = await factory.customer()
    device = await factory.device(customer, warranty_until=date(2026, 3, 1))
    headers = factory.headers(clerk)
    for on in [
        "tomorrow",
        "2026-02-30",
        "2026-3-1",
        "0",
        "1700000000",
        "2026-03-01T00:00:00Z",
        "x" * 500,
        "",
    ]:
        response = await client.get(
            f"{URL}/{device.id}/warranty", params={"on": on}, headers=headers
        )
        assert assert_problem(response, 422, "validation_error")["errors"][0]["field"] == "on", on
    assert_problem(
        await client.get(f"{URL}/{device.id}/warranty?on=2026-03-01%00", headers=headers), 400
    )


async def test_extreme_days_are_answered(client, factory, clerk):
    customer = await factory.customer()
    device = await factory.device(customer, warranty_until=date(2026, 3, 1))
    headers = factory.headers(clerk)
    for on, in_warranty in [("0001-01-01", True), ("9999-12-31", False)]:
        response = await client.get(
            f"{URL}/{device.id}/warranty", params={"on": on}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["in_warranty"] is in_warranty
