"""On-site orders book their engineer (SPEC §4.1): an appointment is needed to assign, and an
overlapping one is a conflict unless forced."""

from datetime import datetime, timedelta

from tests.service_orders.desk import Desk, assert_unchanged, free_window
from tests.service_orders.helpers import API
from tests.support import assert_problem


async def test_onsite_assign_needs_an_appointment(desk):
    order = await desk.create("onsite", appointment_start=None, appointment_end=None)
    assert order["appointment_start"] is None
    response = await desk.act(order, "assign")
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "appointment_start"
    await assert_unchanged(desk, order, 1)


async def _booked(desk: Desk, start: str, end: str, state: str = "assigned") -> dict:
    return await desk.order_in(state, "onsite", appointment_start=start, appointment_end=end)


def _shift(value: str, hours: float) -> str:
    return (datetime.fromisoformat(value) + timedelta(hours=hours)).isoformat()


async def test_overlapping_appointment_is_a_conflict_unless_forced(desk, users):
    for state in ("assigned", "in_progress", "on_hold"):
        start, end = free_window(hours=2)
        first = await _booked(desk, start, end, state)
        second = await desk.create(
            "onsite", appointment_start=_shift(start, 1), appointment_end=_shift(end, 1)
        )
        response = await desk.act(second, "assign")
        problem = assert_problem(response, 409, "appointment_conflict")
        assert [c["number"] for c in problem["conflicts"]] == [first["number"]], state
        assert problem["conflicts"][0]["id"] == first["id"]
        await assert_unchanged(desk, second, 1)
        forced = await desk.do(
            second, "assign", body={"assignee_id": str(users["engineer"].id), "force": True}
        )
        assert forced["status"] == "assigned"
        event = (await desk.events(second))[-1]
        assert event["changes"]["forced"] is True
        assert event["changes"]["overlaps"] == [first["number"]]


async def test_finished_orders_do_not_block_the_engineer(desk):
    for state in ("cancelled", "confirmed", "closed"):
        start, end = free_window()
        await _booked(desk, start, end, state)
        same_time = await desk.create("onsite", appointment_start=start, appointment_end=end)
        assert (await desk.do(same_time, "assign"))["status"] == "assigned", state


async def test_back_to_back_and_other_engineers_do_not_conflict(desk, factory):
    start, end = free_window(hours=2)
    await _booked(desk, start, end)
    after = await desk.create("onsite", appointment_start=end, appointment_end=_shift(end, 1))
    assert (await desk.do(after, "assign"))["status"] == "assigned"
    before = await desk.create("onsite", appointment_start=_shift(start, -1), appointment_end=start)
    assert (await desk.do(before, "assign"))["status"] == "assigned"
    other = await factory.user("engineer")
    overlapping = await desk.create("onsite", appointment_start=start, appointment_end=end)
    body = {"assignee_id": str(other.id)}
    assert (await desk.do(overlapping, "assign", body=body))["status"] == "assigned"


async def test_reassigning_an_order_does_not_conflict_with_itself(desk, users):
    order = await desk.order_in("assigned", "onsite")
    body = {"assignee_id": str(users["engineer"].id), "force": True}
    assert (await desk.do(order, "assign", body=body))["status"] == "assigned"
    # force with nothing to override is not recorded as forced
    assert "forced" not in (await desk.events(order))[-1]["changes"]


async def test_patching_the_appointment_rechecks_the_engineer(desk):
    start, end = free_window()
    booked = await _booked(desk, start, end)
    other_start, other_end = free_window()
    order = await _booked(desk, other_start, other_end)
    url = f"{API}/{order['id']}"
    headers = desk.headers(**{"If-Match": f'"{order["version"]}"'})
    body = {"appointment_start": _shift(start, 1), "appointment_end": _shift(end, 1)}
    clash = await desk.client.patch(url, json=body, headers=headers)
    problem = assert_problem(clash, 409, "appointment_conflict")
    assert [c["number"] for c in problem["conflicts"]] == [booked["number"]]
    await assert_unchanged(desk, order, 2)
    forced = await desk.client.patch(url, params={"force": "true"}, json=body, headers=headers)
    assert forced.status_code == 200, forced.text
    assert forced.json()["appointment_start"] == (await desk.get(order))["appointment_start"]
    event = (await desk.events(order))[-1]
    assert (event["action"], event["changes"]["forced"]) == ("updated", True)
    assert event["changes"]["overlaps"] == [booked["number"]]
    assert set(event["changes"]) == {"appointment_start", "appointment_end", "forced", "overlaps"}


async def test_an_assigned_onsite_order_keeps_an_appointment(desk):
    cleared = {"appointment_start": None, "appointment_end": None}
    assigned = await desk.order_in("assigned", "onsite")
    response = await desk.client.patch(
        f"{API}/{assigned['id']}",
        json=cleared,
        headers=desk.headers(**{"If-Match": f'"{assigned["version"]}"'}),
    )
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "appointment_start"
    await assert_unchanged(desk, assigned, 2)
    fresh = await desk.create("onsite")  # not booked yet: the visit may be unscheduled again
    response = await desk.client.patch(
        f"{API}/{fresh['id']}", json=cleared, headers=desk.headers(**{"If-Match": '"1"'})
    )
    assert response.status_code == 200, response.text
    assert response.json()["appointment_start"] is None
