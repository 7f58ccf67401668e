"""Notification texts are made when read, in the reader's language (Accept-Language): the
completion notice (办结告知) one customer reads in Chinese, another in English, is one row."""

from app.db.models import Role
from tests.notifications.test_notifications import NOTIFICATIONS, notice
from tests.service_orders.helpers import API, act, order_body

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


async def test_the_completion_notice_is_read_in_the_readers_language(client, factory, users):
    customer = users["customer"]
    clerk, engineer = factory.headers(users["clerk"]), factory.headers(users["engineer"])
    order = (await client.post(API, json=order_body(customer.customer_id), headers=clerk)).json()
    for headers, action, body in [
        (clerk, "assign", {"assignee_id": str(users["engineer"].id)}),
        (engineer, "start", None),
        (engineer, "report", {"resolution": "Replaced the fuser"}),
        (clerk, "confirm", {"channel": "phone"}),
        (clerk, "close", None),
    ]:
        response = await act(client, headers, order["id"], action, body)
        assert response.status_code == 200, response.text

    reader = factory.headers(customer)
    [zh] = (await client.get(NOTIFICATIONS, headers={**reader, **ZH})).json()["items"]
    [en] = (await client.get(NOTIFICATIONS, headers={**reader, **EN})).json()["items"]
    number = order["number"]
    assert zh["title"] == f"技术服务任务单 {number} 已办结"
    assert zh["body"] == "Printer jams\n\n处理结果\uff1aReplaced the fuser"  # full-width colon
    assert en["title"] == f"Service order {number} is complete"
    assert en["body"] == "Printer jams\n\nResult: Replaced the fuser"
    machine = ("id", "kind", "object_type", "object_id", "created_at", "read_at")
    assert {k: zh[k] for k in machine} == {k: en[k] for k in machine}
    assert zh["kind"] == "completion_notice"

    marked = await client.post(f"{NOTIFICATIONS}/{zh['id']}/read", headers={**reader, **ZH})
    assert marked.status_code == 200, marked.text
    assert marked.json()["title"] == zh["title"]

    # The engineer's assignment notice, too.
    [assigned] = (await client.get(NOTIFICATIONS, headers={**engineer, **ZH})).json()["items"]
    assert assigned["title"] == f"{number} 已派给您"


async def test_a_notification_without_a_template_keeps_its_stored_text(client, factory, users):
    supervisor = await factory.user(Role.supervisor)
    await notice(factory, supervisor, "note", title="Stored title", body="Stored body")
    [item] = (
        await client.get(NOTIFICATIONS, headers={**factory.headers(supervisor), **ZH})
    ).json()["items"]
    assert (item["title"], item["body"]) == ("Stored title", "Stored body")
