"""Create, read, list (every filter of SPEC §4.1) and edit service orders."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from app.db.models import Customer, Participant, ServiceOrder
from tests.service_orders.desk import Desk, assert_unchanged, free_window
from tests.service_orders.helpers import API, order_body
from tests.support import assert_problem


async def _ids(desk: Desk, who: str = "clerk", **params) -> list[str]:
    response = await desk.client.get(API, params=params, headers=desk.headers(who))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _if_match(order: dict) -> dict[str, str]:
    return {"If-Match": f'"{order["version"]}"'}


# --- create and read --------------------------------------------------------------------------


async def test_create_answers_the_order_with_its_number_owner_and_clock(desk, users, factory):
    device = await factory.device(await _customer(desk, factory))
    body = order_body(
        device.customer_id,
        device_id=str(device.id),
        description="Paper jams on tray 2",
        priority="high",
        contact_name="Zhao",
        contact_phone="+86 10 1234 5678",
        external_ref="CRM-1",
    )
    response = await desk.client.post(API, json=body, headers=desk.headers())
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    order = response.json()
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    assert re.fullmatch(rf"SO-{year}-\d{{6}}", order["number"])
    for field in ("kind", "channel", "subject", "description", "priority", "contact_name"):
        assert order[field] == body[field]
    assert order["device_id"] == str(device.id)
    assert order["external_ref"] == "CRM-1"
    assert (order["status"], order["version"]) == ("new", 1)
    assert order["owner_id"] == str(users["clerk"].id)
    assert order["assignee_id"] is None
    assert order["due_at"] == order["sla"]["resolve_due_at"]
    assert order["sla"]["response_due_at"] < order["due_at"]
    assert order["overdue"] is False
    assert order["responded_at"] is None
    event = (await desk.events(order))[0]
    assert (event["action"], event["from_status"], event["to_status"]) == ("created", None, "new")
    assert event["changes"]["subject"] == body["subject"]
    assert await desk.get(order) == order


async def _customer(desk: Desk, factory) -> Customer:
    async with factory.sessionmaker() as session:
        customer = await session.get(Customer, desk.customer_id)
    return customer


async def test_numbers_increase(desk):
    numbers = [(await desk.create())["number"] for _ in range(3)]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert serials == list(range(serials[0], serials[0] + 3))


async def test_supervisor_owns_what_it_takes(desk, users):
    order = await desk.create(who="supervisor")
    assert order["owner_id"] == str(users["supervisor"].id)


async def test_office_takes_orders_on_every_channel(desk):
    for channel in ("phone", "fax", "email", "portal", "walk_in"):
        assert (await desk.create(channel=channel))["channel"] == channel


async def test_onsite_order_keeps_its_appointment_in_utc(desk):
    start = "2031-03-04T09:00:00+08:00"
    order = await desk.create(
        "onsite", appointment_start=start, appointment_end="2031-03-04T11:30:00+08:00"
    )
    assert datetime.fromisoformat(order["appointment_start"]) == datetime.fromisoformat(start)
    assert order["appointment_start"].endswith(("+00:00", "Z"))


async def test_device_must_belong_to_the_customer(desk, factory):
    other = await factory.device(await factory.customer())
    body = order_body(desk.customer_id, device_id=str(other.id))
    problem = assert_problem(await desk.client.post(API, json=body, headers=desk.headers()), 422)
    assert problem["errors"][0]["field"] == "device_id"
    missing = order_body(desk.customer_id, device_id=str(uuid.uuid4()))
    problem = assert_problem(await desk.client.post(API, json=missing, headers=desk.headers()), 422)
    assert problem["errors"][0]["field"] == "device_id"
    assert await _ids(desk) == []


async def test_unknown_customer_is_422(desk):
    body = order_body(uuid.uuid4())
    problem = assert_problem(await desk.client.post(API, json=body, headers=desk.headers()), 422)
    assert problem["errors"][0]["field"] == "customer_id"


async def test_external_ref_is_unique(desk):
    await desk.create(external_ref="ERP-7")
    body = order_body(desk.customer_id, external_ref="ERP-7")
    problem = assert_problem(await desk.client.post(API, json=body, headers=desk.headers()), 409)
    assert problem.get("field") == "external_ref"
    assert len(await _ids(desk)) == 1


async def test_get_unknown_or_malformed_id(desk):
    assert_problem(await desk.client.get(f"{API}/{uuid.uuid4()}", headers=desk.headers()), 404)
    assert_problem(await desk.client.get(f"{API}/not-a-uuid", headers=desk.headers()), 422)


# --- list and filters -------------------------------------------------------------------------


async def test_list_filters_by_status_repeatable(desk):
    new = await desk.create()
    assigned = await desk.order_in("assigned")
    started = await desk.order_in("in_progress")
    assert await _ids(desk, status="new") == [new["id"]]
    assert set(await _ids(desk, status=["assigned", "in_progress"])) == {
        assigned["id"],
        started["id"],
    }
    assert await _ids(desk, status="closed") == []


async def test_unknown_or_malformed_filter_values_are_422(desk):
    await desk.create()
    for params, field in (
        ({"status": "open"}, "status"),
        ({"status": ["new", "NEW"]}, "status"),
        ({"kind": "visit"}, "kind"),
        ({"priority": "critical"}, "priority"),
        ({"overdue": "maybe"}, "overdue"),
        ({"customer_id": "acme"}, "customer_id"),
        ({"assignee_id": "1"}, "assignee_id"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"updated_after": "2026-01-01T00:00:00"}, "updated_after"),  # no offset
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
        ({"sort": "subject"}, "sort"),
        ({"q": "x" * 201}, "q"),
    ):
        response = await desk.client.get(API, params=params, headers=desk.headers())
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"].startswith(field), (params, problem)


async def test_list_filters_by_kind_customer_assignee_priority_and_external_ref(
    desk, factory, users
):
    other_customer = await factory.customer()
    other_engineer = await factory.user("engineer")
    remote = await desk.create(priority="low", external_ref="R-1")
    onsite = await desk.create("onsite", priority="urgent")
    elsewhere = await desk.create(customer_id=other_customer.id, priority="high")
    await desk.do(remote, "assign")
    await desk.do(elsewhere, "assign", body={"assignee_id": str(other_engineer.id)})

    assert await _ids(desk, kind="onsite") == [onsite["id"]]
    assert set(await _ids(desk, kind="remote")) == {remote["id"], elsewhere["id"]}
    assert await _ids(desk, customer_id=str(other_customer.id)) == [elsewhere["id"]]
    assert await _ids(desk, assignee_id=str(users["engineer"].id)) == [remote["id"]]
    assert await _ids(desk, assignee_id=str(other_engineer.id)) == [elsewhere["id"]]
    assert await _ids(desk, priority="urgent") == [onsite["id"]]
    assert set(await _ids(desk, priority=["low", "high"])) == {remote["id"], elsewhere["id"]}
    assert await _ids(desk, external_ref="R-1") == [remote["id"]]
    assert await _ids(desk, external_ref="R-2") == []
    assert await _ids(
        desk, kind="remote", priority="low", assignee_id=str(users["engineer"].id)
    ) == [remote["id"]]


async def test_list_filters_by_overdue(desk, factory):
    late = await desk.create()
    on_time = await desk.create()
    finished_late = await desk.order_in("closed")
    past = datetime.now(UTC) - timedelta(hours=1)
    async with factory.sessionmaker() as session:
        await session.execute(
            update(ServiceOrder)
            .where(ServiceOrder.id.in_([uuid.UUID(late["id"]), uuid.UUID(finished_late["id"])]))
            .values(due_at=past)
        )
        await session.commit()
    assert await _ids(desk, overdue="true") == [late["id"]]
    assert set(await _ids(desk, overdue="false")) == {on_time["id"], finished_late["id"]}
    assert (await desk.get(late))["overdue"] is True
    assert (await desk.get(finished_late))["overdue"] is False


async def test_list_filters_by_created_range(desk):
    first, second, third = [await desk.create() for _ in range(3)]
    assert await _ids(desk, created_after=second["created_at"]) == [second["id"], third["id"]]
    assert await _ids(desk, created_before=second["created_at"]) == [first["id"]]
    both = await _ids(desk, created_after=first["created_at"], created_before=third["created_at"])
    assert both == [first["id"], second["id"]]


async def test_list_filters_by_updated_range(desk):
    first = await desk.create()
    second = await desk.create()
    mark = second["updated_at"]
    assert await _ids(desk, updated_after=mark) == []
    assert await _ids(desk, updated_before=mark) == [first["id"]]
    await desk.do(first, "assign")
    assert await _ids(desk, updated_after=mark) == [first["id"]]
    assert await _ids(desk, updated_before=mark) == []


async def test_time_filters_need_an_offset_and_a_sane_range(desk):
    await desk.create()
    for name in ("created_after", "created_before", "updated_after", "updated_before"):
        for value in (
            "2026-01-01T00:00:00",
            "2026-01-01",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
        ):
            response = await desk.client.get(API, params={name: value}, headers=desk.headers())
            problem = assert_problem(response, 422, "validation_error")
            assert problem["errors"][0]["field"] == name, (name, value)
        shifted = await _ids(desk, **{name: "2000-01-01T08:00:00+08:00"})
        assert len(shifted) == (1 if name.endswith("after") else 0), name


async def test_list_searches_text_with_q(desk):
    orders = {
        "a": await desk.create(subject="Printer jams"),
        "b": await desk.create(subject="Faded", description="Toner low", contact_name="Wang Li"),
        "c": await desk.create(subject="Only prints at 50% speed"),
        "d": await desk.create(subject="Prints at 500 pages"),
    }
    for q, expected in (
        ("JAMS", "a"),  # subject, any case
        ("toner", "b"),  # description
        ("wang", "b"),  # contact name
        ("50%", "c"),  # % is taken literally
        ("_", None),  # and so is _
        ("nothing like it", None),
    ):
        assert await _ids(desk, q=q) == ([orders[expected]["id"]] if expected else []), q
    assert await _ids(desk, q=orders["d"]["number"]) == [orders["d"]["id"]]


async def test_list_finds_an_order_by_its_number(desk):
    """A clerk on the phone types the number the customer reads out: `number` is exact, `q`
    finds it whole, by its beginning, in any case."""
    first, second = await desk.create(), await desk.create()
    number = second["number"]
    assert await _ids(desk, number=number) == [second["id"]]
    assert await _ids(desk, number=number[:-1]) == []  # exact, not a prefix
    assert await _ids(desk, number=number.lower()) == []  # numbers are printed upper case
    assert await _ids(desk, q=number) == [second["id"]]
    assert await _ids(desk, q=number.lower()) == [second["id"]]
    assert set(await _ids(desk, q=number[:-1])) >= {second["id"]}
    assert set(await _ids(desk, q=number.split("-")[0])) == {first["id"], second["id"]}
    assert await _ids(desk, number=number, status="closed") == []


async def test_q_with_a_whole_number_finds_what_the_substring_search_finds(desk):
    """A whole number is looked up by equality (the unique index), the texts still by
    substring: the answer is what "any searched field contains q, in any case" gives."""
    first, second = await desk.create(), await desk.create()
    number = second["number"]
    mentions = await desk.create(subject=f"Same fault as {number.lower()}")
    in_text = await desk.create(description=f"see {number}, and {first['number']}")
    orders = [first, second, mentions, in_text]
    fields = ("number", "subject", "description", "contact_name")
    for q in (number, number.lower(), number + "0", number[:-1], first["number"], "SO-2"):

        def contains(order: dict, q: str = q) -> bool:
            return any(q.lower() in (order[f] or "").lower() for f in fields)

        expected = {o["id"] for o in orders if contains(o)}
        assert set(await _ids(desk, q=q)) == expected, q
    assert set(await _ids(desk, q=number)) == {second["id"], mentions["id"], in_text["id"]}


async def test_an_unknown_filter_is_422_not_ignored(desk):
    """A misspelt filter would otherwise list every order as if it had matched."""
    await desk.create()
    for params, unknown in (
        ({"stauts": "new"}, {"stauts"}),
        ({"customer": "acme"}, {"customer"}),
        ({"q": "x", "limit": 5, "z": 1}, {"z"}),
    ):
        response = await desk.client.get(API, params=params, headers=desk.headers())
        problem = assert_problem(response, 422, "validation_error")
        assert {e["field"] for e in problem["errors"]} == unknown, params
    assert len(await _ids(desk, limit=5, sort="-created_at")) == 1  # paging still comes through


async def test_list_pages_with_a_cursor(desk):
    created = [(await desk.create())["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await desk.client.get(API, params=params, headers=desk.headers())).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created


async def test_engineers_list_what_is_assigned_to_them_or_they_worked_on(desk, factory):
    other = await factory.user("engineer")
    mine = await desk.order_in("assigned")
    worked_on = await desk.order_in("in_progress")
    await desk.do(worked_on, "assign", body={"assignee_id": str(other.id)})
    handed_over = await desk.order_in("assigned")  # assigned, never touched, then re-assigned
    await desk.do(handed_over, "assign", body={"assignee_id": str(other.id)})
    await desk.create()  # unassigned
    assert set(await _ids(desk, "engineer")) == {mine["id"], worked_on["id"]}
    assert set(await _ids(desk, "engineer", assignee_id=str(other.id))) == {worked_on["id"]}
    assert set(await _ids(desk, other)) == {worked_on["id"], handed_over["id"]}


async def test_an_engineers_pages_interleave_assigned_and_worked_on_orders_in_order(
    desk, factory, users
):
    """The engineer's list reads "assigned to me" and "worked on by me" as two index ranges;
    a walk in either creation order, at any page size, is the whole list once, in order."""
    other = await factory.user("engineer")
    orders = []
    for i in range(6):
        order = await desk.order_in("in_progress" if i % 2 else "assigned")
        if i in (1, 3):  # worked on, then handed to someone else
            order = await desk.do(order, "assign", body={"assignee_id": str(other.id)})
        orders.append(order)
    handed_over = await desk.order_in("assigned")  # never touched, then re-assigned: not mine
    await desk.do(handed_over, "assign", body={"assignee_id": str(other.id)})
    await desk.create()  # nobody's
    mine = [o["id"] for o in orders]
    for sort, expected in (("created_at", mine), ("-created_at", mine[::-1])):
        for limit in (1, 2, 4, 50):
            walked, cursor = [], None
            while True:
                params = {"sort": sort, "limit": limit, **({"cursor": cursor} if cursor else {})}
                response = await desk.client.get(
                    API, params=params, headers=desk.headers("engineer")
                )
                assert response.status_code == 200, response.text
                walked += [item["id"] for item in response.json()["items"]]
                cursor = response.json()["next_cursor"]
                if cursor is None:
                    break
            assert walked == expected, (sort, limit)
    # Filters narrow both parts; other sorts read the same scope as one WHERE.
    assert await _ids(desk, "engineer", status="in_progress") == [mine[1], mine[3], mine[5]]
    assert set(await _ids(desk, "engineer", sort="number")) == set(mine)
    assert set(await _ids(desk, other)) == {mine[1], mine[3], handed_over["id"]}


async def test_acting_on_an_order_makes_a_staff_user_one_of_its_participants_once(
    desk, factory, users, engine
):
    """Written with the events, one INSERT per unit of work, never twice for one person."""
    from tests.http.test_query_counts import count_queries

    customer_made = await desk.create(who="customer", channel="portal")
    order = await desk.order_in("in_progress")
    with count_queries(engine) as statements:
        await desk.do(order, "hold", "engineer")
    assert len([s for s in statements if "INSERT INTO participants" in s]) == 1
    await desk.do(order, "resume", "engineer")
    async with factory.sessionmaker() as session:
        rows = (await session.execute(select(Participant.user_id, Participant.object_id))).all()
    # The customer who opened one on the portal is no participant: only staff are scoped so.
    assert sorted(rows) == sorted(
        [
            (users["clerk"].id, uuid.UUID(order["id"])),
            (users["engineer"].id, uuid.UUID(order["id"])),
        ]
    )
    assert all(object_id != uuid.UUID(customer_made["id"]) for _, object_id in rows)


async def test_customers_list_their_own_companys_orders(desk, factory):
    own = [await desk.create(), await desk.create(who="customer", channel="portal")]
    await desk.create(customer_id=(await factory.customer()).id)
    assert set(await _ids(desk, "customer")) == {o["id"] for o in own}
    other_company = await factory.customer()
    assert await _ids(desk, "customer", customer_id=str(other_company.id)) == []
    assert len(await _ids(desk)) == 3


# --- PATCH ------------------------------------------------------------------------------------


async def _patch(desk: Desk, order: dict, body: dict, who: str = "clerk", **headers: str):
    return await desk.client.patch(
        f"{API}/{order['id']}", json=body, headers=desk.headers(who, **headers)
    )


async def test_patch_edits_fields_and_writes_an_event(desk, factory, users):
    order = await desk.create()
    device = await factory.device(await _customer(desk, factory))
    changes = {
        "subject": "Printer jams on tray 2",
        "description": "Since Monday",
        "contact_name": "Li",
        "contact_phone": "123",
        "device_id": str(device.id),
        "external_ref": "CRM-9",
    }
    response = await _patch(desk, order, changes, **_if_match(order))
    assert response.status_code == 200, response.text
    after = response.json()
    assert response.headers["etag"] == '"2"' and after["version"] == 2
    for field, value in changes.items():
        assert after[field] == value
    event = (await desk.events(order))[-1]
    assert event["action"] == "updated"
    assert event["actor_id"] == str(users["clerk"].id)
    assert event["changes"]["subject"] == [order["subject"], changes["subject"]]
    assert set(event["changes"]) == set(changes)


async def test_patch_without_a_change_writes_nothing(desk):
    order = await desk.create(contact_name="Li")
    response = await _patch(desk, order, {"contact_name": "Li"}, **_if_match(order))
    assert response.status_code == 200
    await assert_unchanged(desk, order, 1)


async def test_patch_needs_if_match(desk):
    order = await desk.create()
    assert_problem(await _patch(desk, order, {"subject": "x"}), 428, "precondition_required")
    stale = await _patch(desk, order, {"subject": "x"}, **{"If-Match": '"9"'})
    problem = assert_problem(stale, 412, "precondition_failed")
    assert problem["current_version"] == 1
    await assert_unchanged(desk, order, 1)


async def test_patch_open_orders_but_not_finished_ones(desk):
    order = await desk.create()
    for action, who in (
        (None, None),
        ("assign", "clerk"),
        ("start", "engineer"),
        ("hold", "engineer"),
        ("resume", "engineer"),
        ("report", "engineer"),
    ):
        if action:
            order = await desk.do(order, action, who)
        state = order["status"]
        response = await _patch(desk, order, {"subject": f"Edited {state}"}, **_if_match(order))
        assert response.status_code == 200, (state, response.text)
        order = response.json()
        assert (order["status"], order["subject"]) == (state, f"Edited {state}")
    fresh = await desk.create()
    for target, action in ((order, "confirm"), (order, "close"), (fresh, "cancel")):
        finished = await desk.do(target, action)
        count = len(await desk.events(finished))
        response = await _patch(desk, finished, {"subject": "Too late"}, **_if_match(finished))
        assert_problem(response, 409)
        await assert_unchanged(desk, finished, count)


async def test_priority_change_recomputes_due_at(desk):
    order = await desk.create(priority="low")
    response = await _patch(desk, order, {"priority": "urgent"}, **_if_match(order))
    after = response.json()
    assert after["priority"] == "urgent"
    assert after["due_at"] < order["due_at"]
    assert after["sla"]["response_due_at"] < order["sla"]["response_due_at"]
    back = await _patch(desk, after, {"priority": "low"}, **_if_match(after))
    assert back.json()["due_at"] == order["due_at"]


async def test_patch_moves_the_appointment(desk):
    order = await desk.order_in("assigned", "onsite")
    start, end = free_window()
    response = await _patch(
        desk, order, {"appointment_start": start, "appointment_end": end}, **_if_match(order)
    )
    assert response.status_code == 200, response.text
    assert datetime.fromisoformat(response.json()["appointment_start"]) == datetime.fromisoformat(
        start
    )


async def test_patch_refuses_impossible_values(desk):
    start, end = free_window()
    remote, onsite = await desk.create(), await desk.create("onsite")
    for order, body, field in (
        (remote, {"appointment_start": start, "appointment_end": end}, "appointment_start"),
        (onsite, {"appointment_start": end, "appointment_end": start}, "appointment_end"),
        (onsite, {"appointment_end": "2000-01-01T00:00:00+00:00"}, "appointment_end"),
        (onsite, {"appointment_start": None}, "appointment_end"),
        (onsite, {"subject": None}, "subject"),
        (onsite, {"priority": None}, "priority"),
    ):
        response = await _patch(desk, order, body, **_if_match(order))
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == field, (body, problem)
    await assert_unchanged(desk, remote, 1)
    await assert_unchanged(desk, onsite, 1)


async def test_patch_refuses_another_customers_device_and_a_taken_external_ref(desk, factory):
    await desk.create(external_ref="TAKEN")
    order = await desk.create()
    device = await factory.device(await factory.customer())
    response = await _patch(desk, order, {"device_id": str(device.id)}, **_if_match(order))
    assert_problem(response, 422)
    response = await _patch(desk, order, {"external_ref": "TAKEN"}, **_if_match(order))
    assert_problem(response, 409)
    await assert_unchanged(desk, order, 1)
