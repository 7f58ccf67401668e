"""Twenty clerks receive the same unit back at once: exactly one wins, the repair order moves
once (SPEC §3 Concurrency). PostgreSQL only: SQLite serialises every writer anyway."""

import asyncio
from collections import Counter

import pytest

from app.db.models.repairs import RepairOrderStatus
from tests.conftest import build_app, client_for
from tests.external_repairs.helpers import API, RECEIVE, attempt_in, load_order

RACERS = 20


@pytest.fixture(scope="module")
def racing_app(engine):
    return build_app(engine)


async def test_twenty_receives_at_once_exactly_one_wins(racing_app, engine, factory, users):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    async with client_for(racing_app) as client:
        attempt = await attempt_in(client, factory, users, "at_vendor")
        clerks = [await factory.user("clerk") for _ in range(RACERS)]
        responses = await asyncio.gather(
            *(
                client.post(
                    f"{API}/{attempt['id']}/receive", json=RECEIVE, headers=factory.headers(c)
                )
                for c in clerks
            )
        )
        statuses = Counter(r.status_code for r in responses)
        assert statuses == Counter({200: 1, 409: RACERS - 1}), [r.text for r in responses]
        losers = {r.json()["code"] for r in responses if r.status_code != 200}
        assert losers == {"invalid_transition"}
        order = await load_order(factory, attempt["repair_order_id"])
        assert (order.status, order.version) == (RepairOrderStatus.reinspection, 3)
        timeline = await client.get(
            f"{API}/{attempt['id']}/timeline", headers=factory.headers(users["clerk"])
        )
        receives = [e for e in timeline.json()["items"] if e.get("action") == "receive"]
        assert len(receives) == 1
