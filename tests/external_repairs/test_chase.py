"""The clerk's daily chase list (follow_up_due / overdue filters) and the chase watcher, which
tells the repair's owner once per due date. Time is frozen by moving the due columns."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.db.models import Notification
from app.domain.external_repairs.chase import scan_once
from tests.external_repairs.helpers import API, attempt_in, set_columns


def _past(days: float = 1) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


async def _ids(client, headers, **params):
    response = await client.get(API, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {a["id"] for a in response.json()["items"]}


async def test_the_chase_list_filters(client, factory, users):
    clerk = factory.headers(users["clerk"])
    due = await attempt_in(client, factory, users, "at_vendor")
    late = await attempt_in(client, factory, users, "at_vendor")
    calm = await attempt_in(client, factory, users, "at_vendor")
    planned = await attempt_in(client, factory, users, "planned")
    await set_columns(factory, due["id"], next_follow_up_at=_past())
    await set_columns(factory, late["id"], expected_back_at=_past(), next_follow_up_at=_past(2))

    assert await _ids(client, clerk, follow_up_due="true") == {due["id"], late["id"]}
    assert await _ids(client, clerk, overdue="true") == {late["id"]}
    assert await _ids(client, clerk, overdue="false") == {due["id"], calm["id"], planned["id"]}
    assert await _ids(client, clerk, status="planned") == {planned["id"]}
    assert await _ids(client, clerk, vendor_id=due["vendor_id"]) == {due["id"]}
    assert await _ids(client, clerk, repair_order_id=late["repair_order_id"]) == {late["id"]}
    read = (await client.get(f"{API}/{late['id']}", headers=clerk)).json()
    assert (read["follow_up_due"], read["overdue"]) == (True, True)

    chased = await client.post(
        f"{API}/{due['id']}/follow_up", json={"notes": "rang"}, headers=clerk
    )
    assert chased.json()["follow_up_due"] is False  # the next chase moved on by the interval
    assert await _ids(client, clerk, follow_up_due="true") == {late["id"]}


async def test_unknown_or_bad_filters_are_refused(client, factory, users):
    clerk = factory.headers(users["clerk"])
    for params in ({"vendor": "x"}, {"overdue": "maybe"}, {"status": "lost"}):
        response = await client.get(API, params=params, headers=clerk)
        assert response.status_code == 422, (params, response.text)


async def _notices(sessionmaker):
    async with sessionmaker() as session:
        return list((await session.scalars(select(Notification))).all())


async def test_the_watcher_tells_the_owner_once_per_due_date(client, factory, users, sessionmaker):
    owner = users["clerk"]
    attempt = await attempt_in(client, factory, users, "at_vendor", owner=owner)
    async with sessionmaker() as session, session.begin():
        assert await scan_once(session) == 0  # nothing is due yet
    await set_columns(factory, attempt["id"], next_follow_up_at=_past())
    for expected in (1, 0):  # a second tick (or a second process) announces nothing more
        async with sessionmaker() as session, session.begin():
            assert await scan_once(session) == expected
    notices = await _notices(sessionmaker)
    assert [(n.user_id, n.kind) for n in notices] == [(owner.id, "external_follow_up_due")]

    # A chase moves the due date: when that one falls due, it is announced again.
    clerk = factory.headers(owner)
    await client.post(f"{API}/{attempt['id']}/follow_up", json={"notes": "rang"}, headers=clerk)
    await set_columns(factory, attempt["id"], next_follow_up_at=_past(0.5))
    await set_columns(factory, attempt["id"], expected_back_at=_past(0.1))
    async with sessionmaker() as session, session.begin():
        assert await scan_once(session) == 2  # the new follow-up date, and overdue
    async with sessionmaker() as session, session.begin():
        assert await scan_once(session) == 0
    kinds = sorted(n.kind for n in await _notices(sessionmaker))
    assert kinds == ["external_follow_up_due", "external_follow_up_due", "external_overdue"]

    read = await client.get("/api/v1/notifications", headers={**clerk, "Accept-Language": "zh-CN"})
    titles = [n["title"] for n in read.json()["items"]]
    assert any("逾期" in t for t in titles), titles


async def test_an_order_without_owner_goes_to_the_supervisors(client, factory, users, sessionmaker):
    attempt = await attempt_in(client, factory, users, "at_vendor")
    await set_columns(factory, attempt["id"], expected_back_at=_past())
    async with sessionmaker() as session, session.begin():
        assert await scan_once(session) == 1
    notices = await _notices(sessionmaker)
    assert [(n.user_id, n.kind) for n in notices] == [(users["supervisor"].id, "external_overdue")]


async def test_returned_units_are_not_chased(client, factory, users, sessionmaker):
    attempt = await attempt_in(client, factory, users, "at_vendor")
    clerk = factory.headers(users["clerk"])
    body = {"result": "unrepairable", "vendor_report": "no parts"}
    await client.post(f"{API}/{attempt['id']}/receive", json=body, headers=clerk)
    await set_columns(factory, attempt["id"], expected_back_at=_past())
    async with sessionmaker() as session, session.begin():
        assert await scan_once(session) == 0
    assert await _ids(client, clerk, overdue="true") == set()


async def test_two_scanners_at_once_notify_once(client, factory, users, sessionmaker):
    attempt = await attempt_in(client, factory, users, "at_vendor", owner=users["clerk"])
    await set_columns(factory, attempt["id"], next_follow_up_at=_past())

    async def scan() -> int:
        async with sessionmaker() as session, session.begin():
            return await scan_once(session)

    results = await asyncio.gather(scan(), scan())
    assert sorted(results) == [0, 1]
    assert len(await _notices(sessionmaker)) == 1
