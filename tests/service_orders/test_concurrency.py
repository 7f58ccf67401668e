"""Two requests on the same order (or the same engineer) at once: exactly one wins, the other gets
409/412, and nothing is half-written (SPEC §3 Concurrency)."""

import asyncio
from collections import Counter

import pytest

from tests.conftest import build_app, client_for
from tests.service_orders.desk import Desk, free_window
from tests.service_orders.helpers import API

ROUNDS = 2


@pytest.fixture(scope="module")
def racing_app(engine):
    return build_app(engine)


@pytest.fixture
async def racing(racing_app, factory, users):
    """A Desk whose client runs its own app, so both requests of a race really overlap."""
    async with client_for(racing_app) as client:
        yield Desk(client, factory, users)


async def _race(desk: Desk, order: dict, action: str, who: str, if_match: bool) -> list:
    headers = {"If-Match": f'"{order["version"]}"'} if if_match else {}
    return list(
        await asyncio.gather(
            *(desk.act(order, action, who, "default", **headers) for _ in range(2))
        )
    )


def _one_winner(responses: list, if_match: bool) -> None:
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1, [r.text for r in responses]
    loser = next(r for r in responses if r.status_code != 200)
    expected = {409, 412} if if_match else {409}
    assert loser.status_code in expected, loser.text
    assert loser.headers["content-type"].startswith("application/problem+json")
    assert loser.json()["code"] in {"invalid_transition", "version_conflict", "precondition_failed"}


async def _events(desk: Desk, order: dict, action: str) -> int:
    return sum(1 for e in await desk.events(order) if e["action"] == action)


@pytest.mark.parametrize("if_match", [False, True])
async def test_two_starts_at_once_exactly_one_wins(racing, if_match):
    for _ in range(ROUNDS):
        order = await racing.order_in("assigned")
        _one_winner(await _race(racing, order, "start", "engineer", if_match), if_match)
        after = await racing.get(order)
        assert (after["status"], after["version"]) == ("in_progress", order["version"] + 1)
        assert await _events(racing, order, "start") == 1


@pytest.mark.parametrize("kind", ["remote", "onsite"])
@pytest.mark.parametrize("if_match", [False, True])
async def test_two_reports_at_once_exactly_one_wins(racing, kind, if_match):
    for _ in range(ROUNDS):
        order = await racing.order_in("in_progress", kind)
        _one_winner(await _race(racing, order, "report", "engineer", if_match), if_match)
        after = await racing.get(order)
        assert after["status"] == ("confirmed" if kind == "onsite" else "reported")
        assert after["version"] == order["version"] + 1
        assert await _events(racing, order, "report") == 1


async def test_two_clerks_booking_one_engineer_into_overlapping_visits(racing, factory):
    second_clerk = await factory.user("clerk")
    engineer = str(racing.users["engineer"].id)
    for _ in range(ROUNDS):
        start, end = free_window()
        first = await racing.create("onsite", appointment_start=start, appointment_end=end)
        second = await racing.create("onsite", appointment_start=start, appointment_end=end)
        responses = await asyncio.gather(
            racing.act(first, "assign", "clerk", {"assignee_id": engineer}),
            racing.act(second, "assign", second_clerk, {"assignee_id": engineer}),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["code"] == "appointment_conflict"
        assigned = [
            o for o in (await racing.get(first), await racing.get(second)) if o["assignee_id"]
        ]
        assert len(assigned) == 1


async def test_moving_a_booked_visit_while_another_is_assigned_into_it(racing):
    engineer = str(racing.users["engineer"].id)
    for _ in range(ROUNDS):
        start, end = free_window()
        booked = await racing.order_in("assigned", "onsite")
        incoming = await racing.create("onsite", appointment_start=start, appointment_end=end)
        responses = await asyncio.gather(
            racing.client.patch(
                f"{API}/{booked['id']}",
                json={"appointment_start": start, "appointment_end": end},
                headers=racing.headers(**{"If-Match": f'"{booked["version"]}"'}),
            ),
            racing.act(incoming, "assign", "supervisor", {"assignee_id": engineer}),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["code"] == "appointment_conflict"


async def test_an_edit_and_an_action_on_one_order_queue_up(racing, factory):
    other = {"assignee_id": str((await factory.user("engineer")).id)}
    for _ in range(ROUNDS):
        order = await racing.order_in("assigned", "onsite")
        start, end = free_window()
        headers = racing.headers(**{"If-Match": f'"{order["version"]}"'})
        responses = await asyncio.gather(
            racing.client.patch(
                f"{API}/{order['id']}",
                json={"appointment_start": start, "appointment_end": end},
                headers=headers,
            ),
            racing.act(order, "assign", "clerk", other),
            racing.client.patch(f"{API}/{order['id']}", json={"subject": "B"}, headers=headers),
        )
        statuses = [r.status_code for r in responses]
        assert statuses[1] == 200, responses[1].text  # the assign has no If-Match
        assert sorted(statuses[::2]) in ([200, 412], [412, 412]), [r.text for r in responses]
        after = await racing.get(order)
        assert after["version"] == order["version"] + statuses.count(200)


async def test_racing_reassignments_leave_one_assignee_and_one_event_each(racing, factory):
    others = [await factory.user("engineer") for _ in range(2)]
    order = await racing.order_in("in_progress")
    responses = await asyncio.gather(
        *(
            racing.act(
                order,
                "assign",
                "clerk",
                {"assignee_id": str(o.id)},
                **{"If-Match": f'"{order["version"]}"'},
            )
            for o in others
        )
    )
    _one_winner(responses, if_match=True)
    winner = next(r for r in responses if r.status_code == 200).json()
    after = await racing.get(order)
    assert after["assignee_id"] == winner["assignee_id"]
    assert await _events(racing, order, "assign") == 2  # the first assign and the winner


async def test_a_retried_action_with_an_idempotency_key_runs_once(racing):
    order = await racing.order_in("assigned")
    headers = racing.headers("engineer", **{"Idempotency-Key": "start-once"})
    url = f"{API}/{order['id']}/start"
    first = await racing.client.post(url, headers=headers)
    again = await racing.client.post(url, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["version"] == first.json()["version"]
    assert await _events(racing, order, "start") == 1
