"""GET /users/me/work: an engineer's open orders, today's appointments (in the department's
Asia/Shanghai day) first, then the other appointments by start, then the rest by due time."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.db.models import Role
from tests.service_orders.helpers import API, act, order_body, png_data_url
from tests.support import assert_problem

WORK = "/api/v1/users/me/work"
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Desk:
    def __init__(self, client, factory, users):
        self.client, self.factory, self.users = client, factory, users
        self.clerk = factory.headers(users["clerk"])

    async def order(self, engineer=None, steps=(), **fields: Any) -> dict[str, Any]:
        body = order_body(self.users["customer"].customer_id, **fields)
        created = await self.client.post(API, json=body, headers=self.clerk)
        assert created.status_code == 201, created.text
        order = created.json()
        engineer = engineer or self.users["engineer"]
        mine = self.factory.headers(engineer)
        report = {"resolution": "Fixed"}
        if order["kind"] == "onsite":
            report |= {
                "service_record": "Replaced the fuser",
                "signoff": {"signer_name": "Zhao Min", "signature": png_data_url()},
            }
        actions = {
            "assign": (self.clerk, {"assignee_id": str(engineer.id)}),
            "start": (mine, None),
            "hold": (mine, {"reason": "Part on order"}),
            "report": (mine, report),
            "confirm": (self.clerk, {"channel": "phone"}),
            "close": (self.clerk, None),
            "cancel": (self.clerk, {"reason": "Duplicate"}),
        }
        for step in steps:
            headers, action_body = actions[step]
            response = await act(self.client, headers, order["id"], step, action_body)
            assert response.status_code == 200, response.text
            order = response.json()
        return order


async def test_an_engineers_open_work_comes_in_the_order_they_need_it(client, factory, users):
    desk = Desk(client, factory, users)
    today = datetime.now(SHANGHAI).date()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)

    def visit(day: date, hour: int, minute: int = 0, length: int = 30) -> dict[str, str]:
        start = datetime.combine(day, time(hour, minute), SHANGHAI)
        return {
            "kind": "onsite",
            "appointment_start": start.isoformat(),
            "appointment_end": (start + timedelta(minutes=length)).isoformat(),
        }

    # Created in an order unlike the expected one, so sorting is what puts them right.
    low = await desk.order(steps=["assign", "start"], kind="remote", priority="low")
    later_visit = await desk.order(steps=["assign"], **visit(today + timedelta(days=3), 10))
    # 00:10 tomorrow in Shanghai is still "today" in UTC: it must not count as today.
    tomorrow_visit = await desk.order(steps=["assign"], **visit(tomorrow, 0, 10))
    late_today = await desk.order(steps=["assign", "start"], **visit(today, 23))
    urgent = await desk.order(steps=["assign"], kind="remote", priority="urgent")
    held = await desk.order(steps=["assign", "hold"], kind="remote")
    missed = await desk.order(steps=["assign"], **visit(yesterday, 10))
    # 00:30 today in Shanghai is yesterday in UTC: it is today all the same.
    early_today = await desk.order(steps=["assign"], **visit(today, 0, 30))
    waiting = await desk.order(steps=["assign", "start", "report"], kind="remote")

    # Not open work for this engineer: finished, cancelled, someone else's, nobody's.
    await desk.order(steps=["assign", "start", "report"], **visit(today, 15))  # confirmed
    await desk.order(steps=["assign", "start", "report", "confirm", "close"], kind="remote")
    await desk.order(steps=["assign", "cancel"], kind="remote")
    await desk.order(engineer=await factory.user(Role.engineer), steps=["assign"], kind="remote")
    await desk.order(kind="remote")

    response = await client.get(WORK, headers=factory.headers(users["engineer"]))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    expected = [
        early_today,
        late_today,
        missed,
        tomorrow_visit,
        later_visit,
        urgent,
        held,
        waiting,
        low,
    ]
    assert [i["order"]["number"] for i in items] == [o["number"] for o in expected]
    assert [i["today"] for i in items] == [True, True] + [False] * 7
    by_number = {i["order"]["number"]: i["order"] for i in items}
    assert by_number[urgent["number"]]["allowed_actions"] == ["start", "hold"]
    assert by_number[held["number"]]["sla"]["paused"] is True
    assert by_number[waiting["number"]]["status"] == "reported"


async def test_today_is_the_day_in_the_business_calendars_time_zone(client, factory, users):
    supervisor = factory.headers(users["supervisor"])
    calendar = (await client.get("/api/v1/business-calendar", headers=supervisor)).json()
    calendar = {k: calendar[k] for k in ("work_hours", "holidays", "extra_workdays")}
    moved = await client.put(
        "/api/v1/business-calendar",
        json={**calendar, "timezone": "America/New_York"},
        headers={**supervisor, "If-Match": '"0"'},
    )
    assert moved.status_code == 200, moved.text
    new_york = ZoneInfo("America/New_York")
    today = datetime.now(new_york).date()
    start = datetime.combine(today, time(23, 0), new_york)  # tomorrow in Shanghai
    order = await Desk(client, factory, users).order(
        steps=["assign"],
        kind="onsite",
        appointment_start=start.isoformat(),
        appointment_end=(start + timedelta(minutes=30)).isoformat(),
    )
    [item] = (await client.get(WORK, headers=factory.headers(users["engineer"]))).json()["items"]
    assert (item["order"]["id"], item["today"]) == (order["id"], True)


async def test_an_engineer_without_work_gets_an_empty_list(client, factory, users):
    response = await client.get(WORK, headers=factory.headers(users["engineer"]))
    assert response.status_code == 200
    assert response.json() == {"items": []}


@pytest.mark.parametrize("role", ["clerk", "supervisor"])
async def test_office_staff_see_what_is_assigned_to_them_which_is_nothing(
    client, factory, users, role
):
    await Desk(client, factory, users).order(steps=["assign"], kind="remote")
    response = await client.get(WORK, headers=factory.headers(users[role]))
    assert response.status_code == 200
    assert response.json() == {"items": []}


async def test_customers_have_no_work_list(client, factory, users):
    assert_problem(
        await client.get(WORK, headers=factory.headers(users["customer"])), 403, "forbidden"
    )


async def test_the_work_list_needs_a_login(client):
    assert_problem(await client.get(WORK), 401, "not_authenticated")
