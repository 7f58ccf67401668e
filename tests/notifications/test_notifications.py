"""In-app notifications: everyone sees only their own; unread filter; marking read; and the
notices the service-order workflow sends (assignment, completion notice 办结告知)."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models import Notification, Role
from tests.service_orders.helpers import API, act, order_body
from tests.support import assert_problem

NOTIFICATIONS = "/api/v1/notifications"


async def notice(factory, user, kind: str = "note", **fields: Any) -> Notification:
    row = Notification(user_id=user.id, kind=kind, title=f"{kind} for {user.name}", body="…")
    for name, value in fields.items():
        setattr(row, name, value)
    await factory.add(row)
    return row


async def listed(client, factory, user, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(NOTIFICATIONS, params=params, headers=factory.headers(user))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


async def test_everyone_sees_only_their_own(client, factory, users):
    mine = [await notice(factory, users["supervisor"], f"n{i}") for i in range(3)]
    theirs = await notice(factory, users["customer"], "completion_notice")
    await notice(factory, users["clerk"])

    items = await listed(client, factory, users["supervisor"])
    assert ids(items) == [str(n.id) for n in mine]  # oldest first
    assert items[0] | {"id": None, "created_at": None} == {
        "id": None,
        "kind": "n0",
        "title": f"n0 for {users['supervisor'].name}",
        "body": "…",
        "object_type": None,
        "object_id": None,
        "created_at": None,
        "read_at": None,
    }
    assert ids(await listed(client, factory, users["customer"])) == [str(theirs.id)]
    assert await listed(client, factory, users["engineer"]) == []
    newest_first = await listed(client, factory, users["supervisor"], sort="-created_at")
    assert ids(newest_first) == [str(n.id) for n in reversed(mine)]


async def test_pages_walk_every_notification_once(client, factory, users):
    rows = [await notice(factory, users["engineer"], f"n{i}") for i in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            NOTIFICATIONS, params=params, headers=factory.headers(users["engineer"])
        )
        page = response.json()
        seen += ids(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(n.id) for n in rows]


async def test_the_unread_filter_and_marking_read(client, factory, users):
    supervisor = users["supervisor"]
    first, second = await notice(factory, supervisor, "a"), await notice(factory, supervisor, "b")
    headers = factory.headers(supervisor)

    marked = await client.post(f"{NOTIFICATIONS}/{first.id}/read", headers=headers)
    assert marked.status_code == 200, marked.text
    read_at = marked.json()["read_at"]
    assert read_at is not None and marked.json()["id"] == str(first.id)
    again = await client.post(f"{NOTIFICATIONS}/{first.id}/read", headers=headers)
    assert again.status_code == 200
    assert again.json()["read_at"] == read_at  # idempotent: the first reading counts

    assert ids(await listed(client, factory, supervisor, unread="true")) == [str(second.id)]
    assert ids(await listed(client, factory, supervisor, unread="false")) == [str(first.id)]
    assert len(await listed(client, factory, supervisor)) == 2
    bad = await client.get(NOTIFICATIONS, params={"unread": "maybe"}, headers=headers)
    assert_problem(bad, 422, "validation_error")


async def test_read_all_marks_only_your_unread_ones(client, factory, users):
    supervisor, clerk = users["supervisor"], users["clerk"]
    for kind in ("a", "b", "c"):
        await notice(factory, supervisor, kind)
    already = await notice(factory, supervisor, "d")
    other = await notice(factory, clerk, "e")
    headers = factory.headers(supervisor)
    await client.post(f"{NOTIFICATIONS}/{already.id}/read", headers=headers)

    response = await client.post(f"{NOTIFICATIONS}/read-all", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"marked": 3}
    assert await listed(client, factory, supervisor, unread="true") == []
    assert (await client.post(f"{NOTIFICATIONS}/read-all", headers=headers)).json() == {"marked": 0}
    assert ids(await listed(client, factory, clerk, unread="true")) == [str(other.id)]


@pytest.mark.parametrize("owner", ["customer", "clerk"])
async def test_someone_elses_notification_is_404(client, factory, users, owner):
    row = await notice(factory, users[owner])
    response = await client.post(
        f"{NOTIFICATIONS}/{row.id}/read", headers=factory.headers(users["supervisor"])
    )
    assert_problem(response, 404, "not_found")
    assert (await listed(client, factory, users[owner]))[0]["read_at"] is None


async def test_unknown_and_malformed_ids(client, factory, users):
    headers = factory.headers(users["clerk"])
    missing = await client.post(f"{NOTIFICATIONS}/{uuid.uuid4()}/read", headers=headers)
    assert_problem(missing, 404, "not_found")
    malformed = await client.post(f"{NOTIFICATIONS}/42/read", headers=headers)
    assert_problem(malformed, 422, "validation_error")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", ""), ("POST", f"/{uuid.uuid4()}/read"), ("POST", "/read-all")],
)
async def test_notifications_need_a_login(client, method, path):
    assert_problem(await client.request(method, NOTIFICATIONS + path), 401, "not_authenticated")


# --- what the workflow sends --------------------------------------------------------------------


async def test_the_assigned_engineer_is_told(client, factory, users):
    clerk = factory.headers(users["clerk"])
    other_engineer = await factory.user(Role.engineer)
    order = (
        await client.post(API, json=order_body(users["customer"].customer_id), headers=clerk)
    ).json()
    assign = await act(
        client, clerk, order["id"], "assign", {"assignee_id": str(users["engineer"].id)}
    )
    assert assign.status_code == 200, assign.text

    [told] = await listed(client, factory, users["engineer"])
    assert (told["kind"], told["object_type"], told["object_id"]) == (
        "order_assigned",
        "service_order",
        order["id"],
    )
    assert order["number"] in told["title"]
    assert await listed(client, factory, other_engineer) == []

    # Re-assigning tells the new engineer.
    moved = await act(client, clerk, order["id"], "assign", {"assignee_id": str(other_engineer.id)})
    assert moved.status_code == 200, moved.text
    assert [n["kind"] for n in await listed(client, factory, other_engineer)] == ["order_assigned"]
    assert len(await listed(client, factory, users["engineer"])) == 1


async def test_the_completion_notice_reaches_every_active_user_of_the_customer_only(
    client, factory, users
):
    customer_user = users["customer"]
    company = customer_user.customer_id
    colleague = await factory.user(Role.customer, customer_id=company)
    departed = await factory.user(Role.customer, customer_id=company, active=False)
    stranger = await factory.user(Role.customer)  # another company
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])

    order = (await client.post(API, json=order_body(company), headers=clerk)).json()
    steps = [
        (clerk, "assign", {"assignee_id": str(users["engineer"].id)}),
        (engineer, "start", None),
        (engineer, "report", {"resolution": "Replaced the fuser"}),
        (factory.headers(customer_user), "confirm", {}),
    ]
    for headers, action, body in steps:
        response = await act(client, headers, order["id"], action, body)
        assert response.status_code == 200, response.text
    for user in (customer_user, colleague):
        assert await listed(client, factory, user) == []  # nothing before the close

    closed = await act(client, clerk, order["id"], "close")
    assert closed.status_code == 200, closed.text

    for user in (customer_user, colleague):
        [told] = await listed(client, factory, user)
        assert (told["kind"], told["object_id"]) == ("completion_notice", order["id"])
        assert order["number"] in told["title"]
        assert "Replaced the fuser" in told["body"]
    assert await listed(client, factory, stranger) == []
    async with factory.sessionmaker() as session:
        notified = set(
            (
                await session.scalars(
                    select(Notification.user_id).where(Notification.kind == "completion_notice")
                )
            ).all()
        )
    assert notified == {customer_user.id, colleague.id}
    assert departed.id not in notified
