"""Complaint rules beyond the workflow table: races, records, a report-back that tells nobody."""

import asyncio
from collections import Counter

import pytest

from tests.complaints.conftest import Desk
from tests.complaints.helpers import API, REJECT
from tests.conftest import build_app, client_for
from tests.support import assert_problem


@pytest.fixture(scope="module")
def racing_app(engine):
    return build_app(engine)


@pytest.fixture
async def racing(racing_app, factory, users):
    """A Desk whose client runs its own app, so both requests of a race really overlap."""
    async with client_for(racing_app) as client:
        yield Desk(client, factory, users)


async def test_accepting_and_rejecting_at_once_exactly_one_wins(racing):
    complaint = await racing.create()
    responses = await asyncio.gather(
        racing.act(complaint, "assess", "clerk"),
        racing.act(complaint, "assess", "supervisor", REJECT),
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 1}, [r.text for r in responses]
    after = (await racing.read(complaint)).json()
    assert after["version"] == complaint["version"] + 1
    timeline = await racing.client.get(
        f"{API}/{complaint['id']}/timeline", headers=racing.headers("supervisor")
    )
    assert [e["action"] for e in timeline.json()["items"] if e["type"] == "event"] == [
        "created",
        "assess",
    ]


async def test_records_follow_who_sees_the_complaint(desk, factory):
    complaint = await desk.create()
    url = f"{API}/{complaint['id']}/records"
    note = {"kind": "internal", "body": "Called the dispatcher"}
    assert (await desk.client.post(url, json=note, headers=desk.headers())).status_code == 201
    message = {"kind": "communication", "body": "Any news?"}
    sent = await desk.client.post(url, json=message, headers=desk.headers("customer"))
    assert sent.status_code == 201
    # The customer never reads internal records; engineers who do not handle it see nothing.
    seen = await desk.client.get(url, headers=desk.headers("customer"))
    assert [r["body"] for r in seen.json()["items"]] == ["Any news?"]
    assert_problem(await desk.client.get(url, headers=desk.headers("engineer")), 404)
    outsider = await factory.user("customer")
    assert_problem(await desk.client.post(url, json=message, headers=desk.headers(outsider)), 404)


async def test_a_report_back_without_telling_the_customer_tells_only_staff(desk):
    complaint = await desk.create()
    for action in ("assess", "analyze", "resolve"):
        await desk.do(complaint, action)
    body = {"to_staff": "Noted", "to_supervisor": "Closed by phone", "customer_notified": False}
    reported = await desk.do(complaint, "report_back", "clerk", body)
    assert reported["feedback"]["customer_notified"] is False
    assert await desk.notifications("customer") == []
    # The handler is among the staff involved; the clerk reporting is not told its own news.
    assert "complaint_feedback" in [n["kind"] for n in await desk.notifications("engineer")]
    assert "complaint_feedback" not in [n["kind"] for n in await desk.notifications("clerk")]
