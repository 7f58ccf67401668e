"""GET /users/me/work: what each role is responsible for (engineers their open orders, clerks the
orders they own that wait for the office, supervisors also the overdue ones), today's
appointments (in the department's Asia/Shanghai day) first, then the other appointments by
start, then the rest by due time; paged like every list."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import col

from app.db.models import Role, ServiceOrder
from app.db.types import utcnow
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
    assert by_number[urgent["number"]]["allowed_actions"] == ["start", "hold", "escalate"]
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
    assert response.json() == {"items": [], "next_cursor": None}


async def test_every_item_says_what_it_is_and_why_it_is_there(client, factory, users):
    desk = Desk(client, factory, users)
    visit = await desk.order(steps=["assign"], kind="onsite")
    remote = await desk.order(steps=["assign", "start"], kind="remote")
    items = (await client.get(WORK, headers=factory.headers(users["engineer"]))).json()["items"]
    assert {i["order"]["id"]: (i["kind"], i["reason"]) for i in items} == {
        visit["id"]: ("service_order", "appointment"),
        remote["id"]: ("service_order", "assigned"),
    }


async def test_a_clerk_sees_the_orders_they_own_that_wait_for_the_office(client, factory, users):
    """首问负责: new (to assign), reported (to confirm with the customer), confirmed (to close)."""
    desk = Desk(client, factory, users)
    new = await desk.order(kind="remote")
    reported = await desk.order(steps=["assign", "start", "report"], kind="remote")
    confirmed = await desk.order(steps=["assign", "start", "report", "confirm"], kind="remote")
    # With the engineer, finished, or cancelled: nothing for the owner to do.
    await desk.order(steps=["assign"], kind="remote")
    await desk.order(steps=["assign", "start"], kind="remote")
    await desk.order(steps=["assign", "hold"], kind="remote")
    await desk.order(steps=["assign", "start", "report", "confirm", "close"], kind="remote")
    await desk.order(steps=["cancel"], kind="remote")
    # Another clerk's order waits for that clerk, not this one.
    other = Desk(client, factory, users)
    other.clerk = factory.headers(await factory.user(Role.clerk))
    theirs = await other.order(kind="remote")

    response = await client.get(WORK, headers=desk.clerk)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {i["order"]["id"] for i in items} == {new["id"], reported["id"], confirmed["id"]}
    assert {(i["kind"], i["reason"]) for i in items} == {("service_order", "owned_waiting")}
    assert all(i["order"]["owner_id"] == str(users["clerk"].id) for i in items)
    [their_item] = (await client.get(WORK, headers=other.clerk)).json()["items"]
    assert their_item["order"]["id"] == theirs["id"]


async def test_an_order_nobody_owns_yet_waits_for_every_clerk_until_one_takes_it(
    client, factory, users
):
    portal = order_body(users["customer"].customer_id, channel="portal")
    created = await client.post(API, json=portal, headers=factory.headers(users["customer"]))
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["owner_id"] is None
    other_clerk = factory.headers(await factory.user(Role.clerk))
    for headers in (
        factory.headers(users["clerk"]),
        other_clerk,
        factory.headers(users["supervisor"]),
    ):
        items = (await client.get(WORK, headers=headers)).json()["items"]
        assert [(i["order"]["id"], i["reason"]) for i in items] == [(order["id"], "unowned")]

    taken = await act(
        client, other_clerk, order["id"], "assign", {"assignee_id": str(users["engineer"].id)}
    )
    assert taken.status_code == 200, taken.text
    for headers in (factory.headers(users["clerk"]), other_clerk):
        assert (await client.get(WORK, headers=headers)).json()["items"] == []


async def test_a_supervisor_sees_the_overdue_orders_and_their_own(client, factory, users):
    desk = Desk(client, factory, users)
    late = await desk.order(steps=["assign", "start"], kind="remote")
    late_new = await desk.order(kind="remote")
    await desk.order(steps=["assign"], kind="remote")  # on time
    finished_late = await desk.order(steps=["assign", "start", "report"], kind="remote")
    past = datetime.now(UTC) - timedelta(hours=1)
    async with factory.sessionmaker() as session:
        ids = [uuid.UUID(o["id"]) for o in (late, late_new, finished_late)]
        await session.execute(
            update(ServiceOrder).where(col(ServiceOrder.id).in_(ids)).values(due_at=past)
        )
        await session.commit()
    supervisor = Desk(client, factory, users)
    supervisor.clerk = factory.headers(users["supervisor"])
    owned = await supervisor.order(kind="remote")

    response = await client.get(WORK, headers=supervisor.clerk)
    assert response.status_code == 200, response.text
    reasons = {i["order"]["id"]: i["reason"] for i in response.json()["items"]}
    assert reasons == {
        late["id"]: "overdue",
        late_new["id"]: "overdue",
        owned["id"]: "owned_waiting",
    }
    # The clerk who owns them sees only those waiting for the office, overdue or not.
    clerk_items = (await client.get(WORK, headers=desk.clerk)).json()["items"]
    assert {i["order"]["id"] for i in clerk_items} == {late_new["id"], finished_late["id"]}


async def test_pages_walk_the_whole_list_in_order_once(client, factory, users):
    desk = Desk(client, factory, users)
    today = datetime.now(SHANGHAI).date()
    for day, hour in [(today, 14), (today, 3), (today + timedelta(days=2), 9), (today, 9)]:
        start = datetime.combine(day, time(hour), SHANGHAI)
        await desk.order(
            steps=["assign"],
            kind="onsite",
            appointment_start=start.isoformat(),
            appointment_end=(start + timedelta(minutes=20 * (hour + 1))).isoformat(),
            engineer=await factory.user(Role.engineer) if hour == 3 else None,
        )
    for priority in ("low", "urgent", "normal", "urgent"):
        await desk.order(steps=["assign"], kind="remote", priority=priority)
    engineer = factory.headers(users["engineer"])
    whole = (await client.get(WORK, headers=engineer)).json()
    assert len(whole["items"]) == 7 and whole["next_cursor"] is None

    walked, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.get(WORK, params=params, headers=engineer)
        assert page.status_code == 200, page.text
        walked += page.json()["items"]
        pages += 1
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 4
    assert [i["order"]["id"] for i in walked] == [i["order"]["id"] for i in whole["items"]]
    assert [i["today"] for i in walked] == [True, True] + [False] * 5


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 201}, {"cursor": "not-a-cursor"}, {"cursor": "eyJkIjoxfQ"}],
)
async def test_bad_paging_parameters_are_422(client, factory, users, params):
    response = await client.get(WORK, params=params, headers=factory.headers(users["engineer"]))
    assert_problem(response, 422, "validation_error")


async def test_customers_have_no_work_list(client, factory, users):
    assert_problem(
        await client.get(WORK, headers=factory.headers(users["customer"])), 403, "forbidden"
    )


async def test_the_work_list_needs_a_login(client):
    assert_problem(await client.get(WORK), 401, "not_authenticated")


async def _walk(client, headers, limit: int) -> list[dict[str, Any]]:
    walked, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = await client.get(WORK, params=params, headers=headers)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= limit
        walked += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return walked


async def _set_due(factory, due: dict[str, datetime | None]) -> None:
    async with factory.sessionmaker() as session:
        for order_id, at in due.items():
            await session.execute(
                update(ServiceOrder)
                .where(col(ServiceOrder.id) == uuid.UUID(order_id))
                .values(due_at=at)
            )
        await session.commit()


async def test_a_clerks_pages_cross_every_bucket_border_in_order(client, factory, users):
    """Today's visits, earlier ones, later ones, then no appointment (by due time, a missing
    one last, then number): every page size walks the same list once, mine and nobody's."""
    desk = Desk(client, factory, users)
    today = datetime.now(SHANGHAI).date()

    def visit(day: date, hour: int) -> dict[str, str]:
        start = datetime.combine(day, time(hour), SHANGHAI)
        return {
            "kind": "onsite",
            "appointment_start": start.isoformat(),
            "appointment_end": (start + timedelta(minutes=30)).isoformat(),
        }

    later = await desk.order(**visit(today + timedelta(days=2), 9))
    today_late = await desk.order(**visit(today, 16))
    earlier = await desk.order(**visit(today - timedelta(days=1), 9))
    today_early = await desk.order(**visit(today, 8))
    no_due = await desk.order(kind="remote")
    due_soon = await desk.order(kind="remote")
    reported = await desk.order(steps=["assign", "start", "report"], kind="remote")
    portal = order_body(users["customer"].customer_id, channel="portal")
    created = await client.post(API, json=portal, headers=factory.headers(users["customer"]))
    assert created.status_code == 201, created.text
    nobodys = created.json()
    now = datetime.now(UTC)
    await _set_due(
        factory,
        {
            no_due["id"]: None,
            due_soon["id"]: now + timedelta(hours=1),
            nobodys["id"]: now + timedelta(hours=2),
            reported["id"]: now + timedelta(hours=3),
        },
    )
    expected = [today_early, today_late, earlier, later, due_soon, nobodys, reported, no_due]

    whole = (await client.get(WORK, headers=desk.clerk)).json()
    assert [i["order"]["id"] for i in whole["items"]] == [o["id"] for o in expected]
    assert [i["today"] for i in whole["items"]] == [True, True] + [False] * 6
    assert whole["items"][5]["reason"] == "unowned"
    for limit in (1, 2, 3, 5, 7, 8):
        walked = await _walk(client, desk.clerk, limit)
        assert [i["order"]["id"] for i in walked] == [o["id"] for o in expected], limit


async def test_a_supervisors_pages_list_an_order_once_however_many_reasons_it_has(
    client, factory, users
):
    desk = Desk(client, factory, users)
    supervisor = Desk(client, factory, users)
    supervisor.clerk = factory.headers(users["supervisor"])
    late = await desk.order(steps=["assign", "start"], kind="remote")
    late_new = await desk.order(kind="remote")
    mine_late = await supervisor.order(kind="remote")  # owned, waiting and overdue
    mine = await supervisor.order(kind="remote")
    await desk.order(kind="remote")  # the clerk's, on time: not the supervisor's
    past = datetime.now(UTC) - timedelta(hours=1)
    await _set_due(
        factory,
        {
            late["id"]: past - timedelta(hours=2),
            late_new["id"]: past - timedelta(hours=1),
            mine_late["id"]: past,
        },
    )
    whole = (await client.get(WORK, headers=supervisor.clerk)).json()["items"]
    assert [(i["order"]["id"], i["reason"]) for i in whole] == [
        (late["id"], "overdue"),
        (late_new["id"], "overdue"),
        (mine_late["id"], "overdue"),
        (mine["id"], "owned_waiting"),
    ]
    for limit in (1, 2, 3):
        walked = await _walk(client, supervisor.clerk, limit)
        assert [i["order"]["id"] for i in walked] == [i["order"]["id"] for i in whole], limit


def test_the_work_indexes_name_exactly_the_workflows_states():
    # The partial indexes and the list's arms spell the states as literal SQL (so a generic
    # prepared plan can still use them); they must be the workflow's groups.
    from app.db.models.indexes import ACTIVE_SQL, ENGINEER_WORK_SQL, OFFICE_WAITING_SQL
    from app.domain.service_orders.workflow import SERVICE_ORDER

    def spelt(group: str) -> str:
        states = sorted(SERVICE_ORDER.group(group))
        return "status IN (" + ", ".join(f"'{s}'" for s in states) + ")"

    assert spelt("office_waiting") == OFFICE_WAITING_SQL
    assert spelt("engineer_work") == ENGINEER_WORK_SQL
    assert spelt("active") == ACTIVE_SQL


async def test_each_arm_of_the_work_list_reads_its_index_in_order(engine, users):
    """The expressions and predicates the list spells are those the migration indexed: with
    sorting and scanning the table discouraged, every arm of every role is an index scan."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the expression indexes are PostgreSQL's")
    from app.db.models.indexes import WORK_INDEXES
    from app.domain.service_orders.work import _Day, _page, _page_params

    day = _Day.of(datetime.now(SHANGHAI).date(), SHANGHAI)
    last = (2, day.end, day.end, "SO-2026-000001")
    used = set()
    async with engine.connect() as conn:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            await conn.exec_driver_sql(f"SET {setting} = off")
        for role in ("engineer", "clerk", "supervisor"):
            stmt = _page(users[role].role, day.range_of(last), True)
            assert stmt is not None
            values = _page_params(users[role], day, last, 51, utcnow())
            state = stmt.compile(dialect=conn.dialect).construct_expanded_state(values)
            plan = await conn.exec_driver_sql(
                "EXPLAIN " + state.statement, state.positional_parameters
            )
            text = "\n".join(row[0] for row in plan)
            used |= {name for name in WORK_INDEXES if f"Index Scan using {name} " in text}
        await conn.rollback()
    assert used == set(WORK_INDEXES)


def test_the_work_list_statement_is_compiled_once_per_shape(users):
    """SQLAlchemy caches a statement's SQL only when every element has a cache key; the list's
    statement is large, and compiling it on every request cost more than running it. Building
    it cost as much again, so it is built once per shape and its values are bound."""
    from app.domain.service_orders.work import _Day, _page, _Range

    day = _Day.of(datetime.now(SHANGHAI).date(), SHANGHAI)
    for role in ("engineer", "clerk", "supervisor"):
        for last in (None, (1, day.start - timedelta(days=1), day.end, "SO-2026-000001")):
            first = day.range_of(last) if last else _Range.today
            stmt = _page(users[role].role, first, last is not None)
            assert stmt is not None and stmt._generate_cache_key() is not None, (role, last)
            assert _page(users[role].role, first, last is not None) is stmt
