"""The complaint list: every filter narrows, customers see their own, no N+1."""

from datetime import UTC, datetime, timedelta

from app.db.models import CallbackVisit
from tests.complaints.helpers import API, REJECT, service_order_row
from tests.http.test_query_counts import count_queries
from tests.support import assert_problem


async def _ids(desk, who="clerk", **params):
    response = await desk.client.get(
        API, params={"limit": 200, **params}, headers=desk.headers(who)
    )
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()["items"]}


async def test_each_filter_narrows(desk, factory):
    order = service_order_row(desk.customer_id)
    visit = CallbackVisit(
        customer_id=desk.customer_id,
        method="phone",
        status="completed",
        planned_at=datetime.now(UTC),
        topics=["the invoice"],
    )
    await factory.add(order, visit)
    visit_id = visit.id
    other_customer = await factory.customer()
    plain = await desk.create()
    linked = await desk.create(
        source="callback",
        severity="critical",
        complainant="Mr Zhou",
        description="Invoice sent twice",
        service_order_id=str(order.id),
        visit_id=str(visit_id),
    )
    elsewhere = await desk.create(customer_id=other_customer.id, source="email", severity="low")
    await desk.do(linked, "assess")
    await desk.do(linked, "analyze")
    everything = {plain["id"], linked["id"], elsewhere["id"]}
    assert await _ids(desk) == everything
    cases = {
        "status": ({"status": ["accepted", "handling"]}, {linked["id"]}),
        "status repeated": ({"status": ["registered"]}, {plain["id"], elsewhere["id"]}),
        "customer": ({"customer_id": str(other_customer.id)}, {elsewhere["id"]}),
        "source": ({"source": ["callback", "email"]}, {linked["id"], elsewhere["id"]}),
        "severity": ({"severity": "critical"}, {linked["id"]}),
        "handler": ({"handler_id": str(desk.users["engineer"].id)}, {linked["id"]}),
        "service order": ({"service_order_id": str(order.id)}, {linked["id"]}),
        "visit": ({"visit_id": str(visit_id)}, {linked["id"]}),
        "q number": ({"q": linked["number"]}, {linked["id"]}),
        "q complainant": ({"q": "zhou"}, {linked["id"]}),
        "q description": ({"q": "INVOICE"}, {linked["id"]}),
        "rejected": ({"rejected": "true"}, set()),
    }
    for name, (params, expected) in cases.items():
        assert await _ids(desk, **params) == expected, name
    now = datetime.now(UTC)
    later = (now + timedelta(hours=1)).isoformat()
    assert await _ids(desk, received_after=later) == set()
    assert await _ids(desk, received_before=later) == everything
    assert await _ids(desk, received_before=(now - timedelta(hours=1)).isoformat()) == set()
    # The customer sees its own company's, and may not filter by staff.
    assert await _ids(desk, "customer") == {plain["id"], linked["id"]}
    response = await desk.client.get(
        API, params={"handler_id": str(desk.users["engineer"].id)}, headers=desk.headers("customer")
    )
    assert_problem(response, 422)
    # The engineer sees only what it handles.
    assert await _ids(desk, "engineer") == {linked["id"]}


async def test_bad_filters_are_422(desk):
    for params in (
        {"status": "lost"},
        {"severity": "huge"},
        {"source": "fax"},
        {"customer_id": "acme"},
        {"received_after": "yesterday"},
        {"rejected": "maybe"},
        {"surprise": "1"},
        {"sort": "severity"},
    ):
        response = await desk.client.get(API, params=params, headers=desk.headers())
        assert_problem(response, 422)


async def test_list_query_count_does_not_grow_with_rows(desk, factory, engine):
    async def fill(n):
        # Half rejected (named supervisors), half handled by a new engineer each: every row
        # names other people, which must still be loaded in one query.
        for i in range(n):
            complaint = await desk.create()
            if i % 2:
                await desk.do(complaint, "assess", "supervisor", REJECT)
                continue
            await desk.do(complaint, "assess")
            engineer = await factory.user("engineer")
            body = {"cause_analysis": "x", "handler_id": str(engineer.id)}
            await desk.do(complaint, "analyze", "clerk", body)

    await fill(2)
    with count_queries(engine) as few:
        assert (
            await desk.client.get(f"{API}?limit=200", headers=desk.headers())
        ).status_code == 200
    await fill(15)
    with count_queries(engine) as many:
        response = await desk.client.get(f"{API}?limit=200", headers=desk.headers())
    assert len(response.json()["items"]) == 17
    assert len(many) == len(few), many
