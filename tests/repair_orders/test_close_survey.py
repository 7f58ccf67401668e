"""VISITS_SURVEY_ON_CLOSE reaches repair orders too: closing one plans the customer's online
survey, once (docs/visits.md)."""


async def test_closing_a_repair_order_plans_no_survey_by_default(client, bench, users, factory):
    await bench.order_in("closed")
    visits = await client.get("/api/v1/visits", headers=factory.headers(users["clerk"]))
    assert visits.json()["items"] == []


async def test_closing_a_repair_order_plans_its_online_survey(
    client, bench, users, factory, survey_on_close
):
    order = await bench.order_in("closed")
    assert order["status"] == "closed"
    visits = await client.get("/api/v1/visits", headers=factory.headers(users["customer"]))
    [survey] = visits.json()["items"]
    assert (survey["method"], survey["status"], survey["repair_order_ids"]) == (
        "online_survey",
        "planned",
        [order["id"]],
    )
    timeline = await client.get(
        f"/api/v1/repair-orders/{order['id']}/timeline", headers=bench.headers()
    )
    assert [e["action"] for e in timeline.json()["items"]].count("close") == 1
