"""Problem titles and /meta/workflows labels follow Accept-Language; machine codes never do."""

import uuid
from typing import Any

from tests.conftest import build_app, client_for
from tests.service_orders.helpers import API
from tests.support import assert_problem

META = "/api/v1/meta/workflows"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def _machine_codes(value: Any) -> Any:
    """The answer without its human texts: what must be identical in every language."""
    if isinstance(value, dict):
        return {
            k: _machine_codes(v)
            for k, v in value.items()
            if k not in ("label", "title", "language")
        }
    if isinstance(value, list):
        return [_machine_codes(v) for v in value]
    return value


async def test_a_problem_title_follows_accept_language(client, factory, users):
    clerk = factory.headers(users["clerk"])
    missing = f"{API}/{uuid.uuid4()}"
    zh = assert_problem(await client.get(missing, headers={**clerk, **ZH}), 404, "not_found")
    en = assert_problem(await client.get(missing, headers={**clerk, **EN}), 404, "not_found")
    plain = assert_problem(await client.get(missing, headers=clerk), 404, "not_found")
    assert (zh["title"], en["title"], plain["title"]) == ("未找到", "Not found", "Not found")
    assert _machine_codes(zh) == _machine_codes(en)
    assert zh["type"] == en["type"] == "https://aftercare.example/problems/not_found"


async def test_validation_and_middleware_problems_are_translated_too(client, factory, users):
    clerk = {**factory.headers(users["clerk"]), **ZH}
    invalid = assert_problem(
        await client.post(API, json={"kind": "nonsense"}, headers=clerk), 422, "validation_error"
    )
    assert invalid["title"] == "输入有误"
    assert invalid["errors"]  # field messages stay as they are; the title is translated
    too_large = await client.post(
        API, content=b"x" * 2_000_000, headers={**clerk, "Content-Type": "application/json"}
    )
    assert assert_problem(too_large, 413, "payload_too_large")["title"] == "请求内容过大"
    unauthenticated = assert_problem(await client.get(API, headers=ZH), 401, "not_authenticated")
    assert unauthenticated["title"] == "未登录"


async def test_the_default_language_is_a_setting(engine, factory, users):
    async with client_for(build_app(engine, default_language="zh-CN")) as client:
        headers = factory.headers(users["clerk"])
        missing = f"{API}/{uuid.uuid4()}"
        chinese = assert_problem(await client.get(missing, headers=headers), 404)
        english = assert_problem(await client.get(missing, headers={**headers, **EN}), 404)
        meta = (await client.get(META, headers=headers)).json()
    assert (chinese["title"], english["title"]) == ("未找到", "Not found")
    assert meta["language"] == "zh-CN"


async def test_meta_workflows_lists_every_enum_with_its_labels(client, factory, users):
    customer = factory.headers(users["customer"])
    zh = await client.get(META, headers={**customer, **ZH})
    en = await client.get(META, headers={**customer, **EN})
    assert zh.status_code == en.status_code == 200
    zh_body, en_body = zh.json(), en.json()
    assert (zh_body["language"], en_body["language"]) == ("zh-CN", "en")
    assert zh_body["languages"] == ["en", "zh-CN"]
    enums = {e["name"]: {v["key"]: v for v in e["values"]} for e in zh_body["enums"]}
    assert {"priority", "role", "service_order_kind", "service_order_channel"} <= enums.keys()
    assert {"sla_state", "record_kind", "record_channel", "notification_kind"} <= enums.keys()
    assert enums["priority"]["urgent"] == {
        "key": "urgent",
        "label": "紧急",
        "labels": {"en": "Urgent", "zh-CN": "紧急"},
    }
    assert enums["sla_state"]["breached"]["label"] == "超时"
    assert enums["role"]["clerk"]["label"] == "文员"
    assert list(enums["priority"]) == ["low", "normal", "high", "urgent"]
    [orders] = [w for w in zh_body["workflows"] if w["name"] == "service_order"]
    assert orders["states"][0]["label"] == "新建"
    assign = next(a for a in orders["actions"] if a["key"] == "assign")
    assert (assign["label"], assign["labels"]["en"], assign["from"][0]) == (
        "派工",
        "Assign engineer",
        "assigned",
    )
    en_enums = {e["name"]: {v["key"]: v for v in e["values"]} for e in en_body["enums"]}
    assert en_enums["priority"]["urgent"]["label"] == "Urgent"
    assert _machine_codes(zh_body) == _machine_codes(en_body)
