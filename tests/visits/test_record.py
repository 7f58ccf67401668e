"""Recording a callback: detractors, complaints, unreachable customers, the customer's survey."""

import uuid

import pytest
from sqlalchemy import select

from app.db.models import Complaint, Notification
from app.domain.complaints.service import register_complaint
from app.domain.errors import ValidationFailed
from tests.support import assert_problem
from tests.visits.helpers import API, DETRACTOR, HAPPY, NOT_REACHED, act, later, plan, plan_body


async def _visit(client, factory, users, method="phone", **fields):
    body = plan_body(users["customer"].customer_id, method, **fields)
    return await plan(client, factory.headers(users["clerk"]), body)


async def _follow_up_list(client, factory, users):
    response = await client.get(
        API, params={"needs_follow_up": "true"}, headers=factory.headers(users["supervisor"])
    )
    assert response.status_code == 200, response.text
    return [v["id"] for v in response.json()["items"]]


async def test_a_happy_customer_is_a_promoter_and_needs_nothing(client, factory, users):
    visit = await _visit(client, factory, users)
    done = await act(client, factory.headers(users["clerk"]), visit["id"], "record", HAPPY)
    assert done.status_code == 200, done.text
    read = done.json()
    assert read["status"] == "completed"
    assert read["scores"] == HAPPY["scores"]
    assert (read["nps"], read["nps_category"], read["needs_follow_up"]) == (9, "promoter", False)
    assert read["allowed_actions"] == []


async def test_a_detractor_is_flagged_notified_listed_and_cleared_by_follow_up(
    client, factory, users, sessionmaker
):
    clerk = factory.headers(users["clerk"])
    visit = await _visit(client, factory, users)
    happy = await _visit(client, factory, users)
    await act(client, clerk, happy["id"], "record", HAPPY)
    read = (await act(client, clerk, visit["id"], "record", DETRACTOR)).json()
    assert (read["needs_follow_up"], read["nps_category"]) == (True, "detractor")
    assert read["allowed_actions"] == ["follow_up"]
    async with sessionmaker() as session:
        notices = (await session.scalars(select(Notification))).all()
    assert {(n.user_id, n.kind, n.object_id) for n in notices} == {
        (users["supervisor"].id, "visit_detractor", uuid.UUID(visit["id"]))
    }
    mine = await client.get(
        "/api/v1/notifications",
        headers={**factory.headers(users["supervisor"]), "Accept-Language": "zh-CN"},
    )
    assert "回访不满意" in mine.json()["items"][0]["title"]
    assert await _follow_up_list(client, factory, users) == [visit["id"]]

    done = await act(client, clerk, visit["id"], "follow_up", {"notes": "Sent Li to fix it"})
    assert done.status_code == 200, done.text
    read = done.json()
    assert read["needs_follow_up"] is False
    assert read["follow_up"]["notes"] == "Sent Li to fix it"
    assert read["follow_up"]["by_user"]["id"] == str(users["clerk"].id)
    assert await _follow_up_list(client, factory, users) == []
    again = await act(client, clerk, visit["id"], "follow_up", {"notes": "twice"})
    assert_problem(again, 403, "forbidden")


async def test_any_score_of_two_or_less_is_a_detractor_answer(client, factory, users):
    clerk = factory.headers(users["clerk"])
    visit = await _visit(client, factory, users)
    low = {**HAPPY, "scores": {**HAPPY["scores"], "attitude": 2}}
    read = (await act(client, clerk, visit["id"], "record", low)).json()
    assert (read["nps_category"], read["needs_follow_up"]) == ("promoter", True)


async def test_a_complaint_at_the_callback_is_registered_and_linked_both_ways(
    client, factory, users, desk, sessionmaker
):
    order = await desk.order_in("closed")
    visit = await _visit(client, factory, users, service_order_ids=[order["id"]])
    body = {**DETRACTOR, "complaint": {"description": "Engineer was rude", "severity": "high"}}
    done = await act(client, factory.headers(users["clerk"]), visit["id"], "record", body)
    assert done.status_code == 200, done.text
    read = done.json()
    assert read["complaint_id"] is not None
    # The complaint is the detractor's follow-up: it is handled as a complaint.
    assert read["needs_follow_up"] is False
    assert await _follow_up_list(client, factory, users) == []
    async with sessionmaker() as session:
        complaint = await session.get(Complaint, uuid.UUID(read["complaint_id"]))
    assert complaint is not None
    assert (complaint.source, complaint.severity) == ("callback", "high")
    assert str(complaint.visit_id) == visit["id"]
    assert str(complaint.service_order_id) == order["id"]
    assert complaint.customer_id == users["customer"].customer_id


async def test_a_complaint_filed_later_clears_the_flag(client, factory, users):
    clerk = factory.headers(users["clerk"])
    visit = await _visit(client, factory, users)
    await act(client, clerk, visit["id"], "record", DETRACTOR)
    assert await _follow_up_list(client, factory, users) == [visit["id"]]
    filed = await client.post(
        "/api/v1/complaints",
        json={
            "source": "hotline",
            "customer_id": str(users["customer"].customer_id),
            "complainant": "Wang Fang",
            "description": "Called again, still broken",
            "severity": "medium",
            "visit_id": visit["id"],
        },
        headers=clerk,
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["visit_id"] == visit["id"]
    assert await _follow_up_list(client, factory, users) == []
    read = (await client.get(f"{API}/{visit['id']}", headers=clerk)).json()
    assert read["complaint_id"] == filed.json()["id"]
    assert read["allowed_actions"] == []
    timeline = await client.get(f"{API}/{visit['id']}/timeline", headers=clerk)
    assert timeline.json()["items"][-1]["action"] == "complaint_filed"


async def test_unreachable_then_rescheduled_then_reached(client, factory, users):
    clerk = factory.headers(users["clerk"])
    visit = await _visit(client, factory, users)
    missed = (await act(client, clerk, visit["id"], "record", NOT_REACHED)).json()
    assert (missed["status"], missed["reached"], missed["unreachable_count"]) == (
        "unreachable",
        False,
        1,
    )
    when = later(72)
    again = (await act(client, clerk, visit["id"], "reschedule", {"planned_at": when})).json()
    assert again["status"] == "planned"
    assert again["planned_at"][:16] == when[:16]
    assert (await act(client, clerk, visit["id"], "record", HAPPY)).json()["status"] == "completed"


async def test_scores_or_a_complaint_need_the_customer_reached(client, factory, users):
    clerk = factory.headers(users["clerk"])
    visit = await _visit(client, factory, users)
    for extra in (
        {"nps": 5},
        {"scores": HAPPY["scores"]},
        {"complaint": {"description": "x", "severity": "low"}},
    ):
        response = await act(client, clerk, visit["id"], "record", {**NOT_REACHED, **extra})
        assert_problem(response, 422, "validation_error")
    for bad in (
        {**HAPPY, "nps": 11},
        {**HAPPY, "nps": -1},
        {**HAPPY, "nps": "9"},
        {**HAPPY, "scores": {**HAPPY["scores"], "overall": 0}},
        {**HAPPY, "scores": {**HAPPY["scores"], "overall": 6}},
        {**HAPPY, "scores": {"overall": 5}},
        {**HAPPY, "reached": "yes"},
        {**HAPPY, "complaint": {"description": "x", "severity": "dreadful"}},
        {**HAPPY, "complaint": {"description": "", "severity": "low"}},
        {"feedback": "no reached"},
    ):
        response = await act(client, clerk, visit["id"], "record", bad)
        assert_problem(response, 422, "validation_error")
    read = (await client.get(f"{API}/{visit['id']}", headers=clerk)).json()
    assert (read["status"], read["version"]) == ("planned", visit["version"])


async def test_a_customer_answers_its_own_online_survey(client, factory, users):
    survey = await _visit(client, factory, users, "online_survey")
    customer = factory.headers(users["customer"])
    read = (await client.get(f"{API}/{survey['id']}", headers=customer)).json()
    assert read["allowed_actions"] == ["record"]
    for staff_field in ("visitor_id", "needs_follow_up", "nps_category", "cancel_reason"):
        assert staff_field not in read
    refused = await act(client, customer, survey["id"], "record", NOT_REACHED)
    assert_problem(refused, 422, "validation_error")
    body = {**DETRACTOR, "complaint": {"description": "Slow", "severity": "low"}}
    done = await act(client, customer, survey["id"], "record", body)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert done.json()["complaint_id"] is not None
    timeline = await client.get(f"{API}/{survey['id']}/timeline", headers=customer)
    recorded = timeline.json()["items"][-1]
    assert recorded["action"] == "record"
    assert "needs_follow_up" not in recorded["changes"]


async def test_a_customer_cannot_answer_a_phone_visit_or_another_customers_survey(
    client, factory, users
):
    phone = await _visit(client, factory, users, "phone")
    other = await factory.user("customer")
    foreign = await plan(
        client,
        factory.headers(users["clerk"]),
        plan_body(other.customer_id, "online_survey"),
    )
    customer = factory.headers(users["customer"])
    for visit in (phone, foreign):
        assert_problem(await client.get(f"{API}/{visit['id']}", headers=customer), 404)
        response = await act(client, customer, visit["id"], "record", HAPPY)
        assert_problem(response, 404, "not_found")
    listed = await client.get(API, headers=customer)
    assert listed.json()["items"] == []


async def test_a_complaint_naming_another_customers_visit_is_refused(
    client, factory, users, sessionmaker
):
    visit = await _visit(client, factory, users)
    other = await factory.customer()
    async with sessionmaker() as session:
        with pytest.raises(ValidationFailed) as refused:
            await register_complaint(
                session,
                users["clerk"],
                source="hotline",
                customer_id=other.id,
                complainant="Mr Wang",
                description="Rude",
                severity="low",
                visit_id=uuid.UUID(visit["id"]),
            )
    assert refused.value.extra["errors"] == [
        {"field": "visit_id", "message": "belongs to another customer"}
    ]


async def test_reschedule_cancel_and_follow_up_refuse_bad_bodies(client, factory, users):
    clerk = factory.headers(users["clerk"])
    visit = await _visit(client, factory, users)
    await act(client, clerk, visit["id"], "record", NOT_REACHED)
    for action, body in (
        ("reschedule", {"planned_at": "2030-01-01T09:00:00"}),
        ("reschedule", {"planned_at": 1700000000}),
        ("reschedule", {}),
        ("reschedule", None),
        ("cancel", {"reason": ""}),
        ("cancel", {"reason": "x" * 2001}),
        ("follow_up", {"notes": ""}),
    ):
        response = await act(client, clerk, visit["id"], action, body)
        assert_problem(response, 422, "validation_error")
    read = (await client.get(f"{API}/{visit['id']}", headers=clerk)).json()
    assert (read["status"], read["unreachable_count"]) == ("unreachable", 1)
