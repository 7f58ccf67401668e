"""The business calendar setting: reading, replacing (If-Match "0" the first time), refusing bad
calendars without changing anything, and moving open orders' due times when it changes."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.domain.calendar import BusinessCalendar
from tests.service_orders.helpers import API, act, order_body
from tests.support import assert_problem

CALENDAR = "/api/v1/business-calendar"
SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE_DAY = [["08:00", "12:00"], ["14:00", "18:00"]]
DEFAULT = {
    "timezone": "Asia/Shanghai",
    "work_hours": {
        **{day: OFFICE_DAY for day in ("mon", "tue", "wed", "thu", "fri")},
        "sat": [],
        "sun": [],
    },
    "holidays": [],
    "extra_workdays": [],
}


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def put(client, headers, body: Any, version: int | str = 0):
    return await client.put(CALENDAR, json=body, headers={**headers, "If-Match": f'"{version}"'})


async def test_the_office_reads_the_default_calendar(client, factory, users):
    for role in ("clerk", "supervisor"):
        response = await client.get(CALENDAR, headers=factory.headers(users[role]))
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == '"0"'
        assert response.json() == {
            **DEFAULT,
            "version": 0,
            "updated_at": None,
            "orders_recomputed": None,
        }


@pytest.mark.parametrize("role", ["engineer", "customer"])
async def test_engineers_and_customers_may_not_read_it(client, factory, users, role):
    assert_problem(
        await client.get(CALENDAR, headers=factory.headers(users[role])), 403, "forbidden"
    )


async def test_a_supervisor_replaces_it_with_if_match_0_then_the_version(client, factory, users):
    supervisor = factory.headers(users["supervisor"])
    body = {
        "timezone": "Asia/Shanghai",
        "work_hours": {"mon": [["09:00", "17:00"]], "sat": [["00:00", "24:00"]]},
        "holidays": ["2026-10-01", "2026-10-02"],
        "extra_workdays": ["2026-09-27"],
    }
    first = await put(client, supervisor, body, 0)
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"1"'
    saved = first.json()
    assert saved["version"] == 1 and saved["updated_at"]
    assert saved["work_hours"] == {
        "mon": [["09:00", "17:00"]],
        "tue": [],
        "wed": [],
        "thu": [],
        "fri": [],
        "sat": [["00:00", "24:00"]],
        "sun": [],
    }
    assert (saved["holidays"], saved["extra_workdays"]) == (body["holidays"], ["2026-09-27"])
    read = await client.get(CALENDAR, headers=factory.headers(users["clerk"]))
    assert read.headers["ETag"] == '"1"'
    assert {k: v for k, v in read.json().items() if k != "orders_recomputed"} == {
        k: v for k, v in saved.items() if k != "orders_recomputed"
    }

    stale = await put(client, supervisor, DEFAULT, 0)
    assert assert_problem(stale, 412, "precondition_failed")["current_version"] == 1
    second = await put(client, supervisor, DEFAULT, 1)
    assert second.status_code == 200, second.text
    assert second.json()["version"] == 2
    assert second.json()["work_hours"] == DEFAULT["work_hours"]


async def test_replacing_needs_if_match(client, factory, users):
    response = await client.put(
        CALENDAR, json=DEFAULT, headers=factory.headers(users["supervisor"])
    )
    assert_problem(response, 428, "precondition_required")


@pytest.mark.parametrize("role", ["clerk", "engineer", "customer"])
async def test_only_supervisors_replace_it(client, factory, users, role):
    assert_problem(await put(client, factory.headers(users[role]), DEFAULT), 403, "forbidden")
    assert (await client.get(CALENDAR, headers=factory.headers(users["supervisor"]))).json()[
        "version"
    ] == 0


def with_hours(**days: Any) -> dict[str, Any]:
    return {**DEFAULT, "work_hours": {**DEFAULT["work_hours"], **days}}


BAD_CALENDARS = {
    "unknown zone": ({**DEFAULT, "timezone": "Mars/Olympus_Mons"}, "timezone"),
    "empty zone": ({**DEFAULT, "timezone": ""}, "timezone"),
    "zone as a path": ({**DEFAULT, "timezone": "../../etc/passwd"}, "timezone"),
    "hour 25": (with_hours(mon=[["08:00", "25:00"]]), "work_hours"),
    "not a time": (with_hours(tue=[["8am", "12:00"]]), "work_hours"),
    "a time with an offset": (with_hours(mon=[["08:00+08:00", "12:00"]]), "work_hours"),
    "overlapping": (with_hours(wed=[["08:00", "12:00"], ["11:00", "13:00"]]), "work_hours"),
    "out of order": (with_hours(wed=[["14:00", "18:00"], ["08:00", "12:00"]]), "work_hours"),
    "end before start": (with_hours(thu=[["12:00", "08:00"]]), "work_hours"),
    "empty interval": (with_hours(fri=[["09:00", "09:00"]]), "work_hours"),
    "three bounds": (with_hours(mon=[["08:00", "10:00", "12:00"]]), "work_hours"),
    "unknown day": (with_hours(funday=[["08:00", "12:00"]]), "work_hours"),
    "no work at all": ({**DEFAULT, "work_hours": {}}, "work_hours"),
    "not a date": ({**DEFAULT, "holidays": ["2026-13-01"]}, "holidays"),
    "holiday and workday": (
        {**DEFAULT, "holidays": ["2026-10-10"], "extra_workdays": ["2026-10-10"]},
        "extra_workdays",
    ),
    "missing zone": ({"work_hours": DEFAULT["work_hours"]}, "timezone"),
    "unknown field": ({**DEFAULT, "weekends": "off"}, "weekends"),
    "a list": ([DEFAULT], "body"),
    "a string": ("Mon-Fri", "body"),
    "hours as a string": ({**DEFAULT, "work_hours": "08-18"}, "work_hours"),
}


@pytest.mark.parametrize("name", list(BAD_CALENDARS))
async def test_a_bad_calendar_is_422_and_changes_nothing(client, factory, users, name):
    body, field = BAD_CALENDARS[name]
    response = await put(client, factory.headers(users["supervisor"]), body)
    problem = assert_problem(response, 422, "validation_error")
    fields = [e["field"] for e in problem["errors"]]
    assert any(f.split(".")[0] == field for f in fields), fields
    read = await client.get(CALENDAR, headers=factory.headers(users["supervisor"]))
    assert read.json()["version"] == 0
    assert read.json()["work_hours"] == DEFAULT["work_hours"]


async def test_a_holiday_on_the_due_day_moves_open_orders_past_it(client, factory, users):
    clerk = factory.headers(users["clerk"])
    created = await client.post(API, json=order_body(users["customer"].customer_id), headers=clerk)
    order = created.json()
    closed = await _closed_order(client, factory, users)
    due = ts(order["due_at"])
    due_day = due.astimezone(SHANGHAI).date()

    response = await put(
        client, factory.headers(users["supervisor"]), {**DEFAULT, "holidays": [str(due_day)]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["orders_recomputed"] == 1
    with_holiday = BusinessCalendar(holidays=frozenset({due_day}))
    moved = (await client.get(f"{API}/{order['id']}", headers=clerk)).json()
    expected = with_holiday.add(ts(order["created_at"]), timedelta(minutes=2400))
    assert ts(moved["due_at"]) == expected
    assert ts(moved["due_at"]).astimezone(SHANGHAI).date() > due_day
    # The working time lost on the holiday up to the old due time is made up after it.
    assert with_holiday.between(due, expected) == BusinessCalendar.default().between(
        datetime.combine(due_day, datetime.min.time(), SHANGHAI), due
    )
    assert moved["version"] == order["version"]
    again = (await client.get(f"{API}/{closed['id']}", headers=clerk)).json()
    assert again["due_at"] == closed["due_at"]


async def test_make_up_workdays_count(client, factory, users):
    """A weekend day made a working day (调休) uses Monday's hours and counts toward due times."""
    clerk = factory.headers(users["clerk"])
    order = (
        await client.post(API, json=order_body(users["customer"].customer_id), headers=clerk)
    ).json()
    created = ts(order["created_at"])
    local = created.astimezone(SHANGHAI).date()
    weekend_day = next(
        local + timedelta(days=n) for n in range(1, 8) if (local + timedelta(days=n)).weekday() >= 5
    )
    response = await put(
        client,
        factory.headers(users["supervisor"]),
        {**DEFAULT, "extra_workdays": [str(weekend_day)]},
    )
    assert response.status_code == 200, response.text
    expected = BusinessCalendar(extra_workdays=frozenset({weekend_day})).add(
        created, timedelta(minutes=2400)
    )
    moved = (await client.get(f"{API}/{order['id']}", headers=clerk)).json()
    assert ts(moved["due_at"]) == expected
    if weekend_day < ts(order["due_at"]).astimezone(SHANGHAI).date():
        assert expected < ts(order["due_at"])


async def _closed_order(client, factory, users) -> dict[str, Any]:
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    order = (
        await client.post(API, json=order_body(users["customer"].customer_id), headers=clerk)
    ).json()
    steps = [
        (clerk, "assign", {"assignee_id": str(users["engineer"].id)}),
        (engineer, "start", None),
        (engineer, "report", {"resolution": "Fixed"}),
        (clerk, "confirm", {"channel": "phone"}),
        (clerk, "close", None),
    ]
    for headers, action, body in steps:
        response = await act(client, headers, order["id"], action, body)
        assert response.status_code == 200, response.text
    return response.json()


def test_the_default_is_the_calendar_modules_default():
    assert BusinessCalendar.default().to_json() == DEFAULT
