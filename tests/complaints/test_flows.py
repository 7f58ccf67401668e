"""A complaint's life: accepted and carried to closed; rejected by a supervisor (否定报备) and
closed; what the customer sees of it along the way."""

from tests.complaints.helpers import API, REJECT, complaint_body, service_order_row
from tests.support import assert_problem

INTERNAL = {
    "owner",
    "assessment",
    "rejection_report",
    "handler_id",
    "handler",
    "cause_analysis",
    "feedback",
}


async def test_an_accepted_complaint_is_carried_to_closed(desk):
    complaint = await desk.create(severity="high")
    assert complaint["number"].startswith("CP-") and complaint["status"] == "registered"
    assert complaint["owner"]["id"] == str(desk.users["clerk"].id)
    accepted = await desk.do(complaint, "assess")
    assert (accepted["status"], accepted["accepted"]) == ("accepted", True)
    assert accepted["assessment"]["assessed_by"]["id"] == str(desk.users["clerk"].id)
    assert accepted["rejection_report"] is None
    handling = await desk.do(complaint, "analyze")
    assert handling["status"] == "handling"
    assert handling["handler"]["id"] == str(desk.users["engineer"].id)
    # The handler hears of it, and may now read it.
    told = await desk.notifications("engineer")
    assert [n["kind"] for n in told] == ["complaint_assigned"]
    assert (await desk.read(complaint, "engineer")).status_code == 200
    resolved = await desk.do(complaint, "resolve", "engineer")
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    reported = await desk.do(complaint, "report_back", "engineer")
    assert reported["status"] == "reported"
    assert reported["feedback"]["customer_notified"] is True
    assert reported["feedback"]["reported_by"]["id"] == str(desk.users["engineer"].id)
    # Feedback to the staff involved (the clerk who took it) and to the supervisor.
    for who in ("clerk", "supervisor"):
        assert "complaint_feedback" in [n["kind"] for n in await desk.notifications(who)], who
    closed = await desk.do(complaint, "close")
    assert closed["status"] == "closed" and closed["closed_at"]
    assert closed["allowed_actions"] == []

    # The customer was told, with nothing internal in the notice.
    notices = await desk.notifications("customer")
    assert [n["kind"] for n in notices] == ["complaint_reported"]
    text = notices[0]["title"] + notices[0]["body"]
    assert "Apologised; the next visit is free" in text
    assert "Dispatch booked two visits" not in text and "calendar" not in text


async def test_the_customer_sees_only_the_public_parts(desk):
    complaint = await desk.create()
    for action, who in (("assess", "clerk"), ("analyze", "clerk"), ("resolve", "engineer")):
        await desk.do(complaint, action, who)
    await desk.do(complaint, "report_back")
    seen = (await desk.read(complaint, "customer")).json()
    assert INTERNAL.isdisjoint(seen), INTERNAL & seen.keys()
    assert seen["accepted"] is True
    assert seen["actions_taken"] == "Apologised; the next visit is free"
    listed = (await desk.client.get(API, headers=desk.headers("customer"))).json()["items"]
    assert INTERNAL.isdisjoint(listed[0])
    timeline = await desk.client.get(
        f"{API}/{complaint['id']}/timeline", params={"limit": 200}, headers=desk.headers("customer")
    )
    assert timeline.status_code == 200
    written = str(timeline.json())
    for secret in ("Dispatch booked", "calendar", "briefed", "authentic", "handler_id"):
        assert secret not in written, secret
    assert "Apologised" in written


async def test_a_rejection_is_a_supervisors_with_a_reason_and_reported_upward(desk, factory):
    other_supervisor = await factory.user("supervisor")
    complaint = await desk.create()
    # A clerk may accept but not reject: 403, and nothing changes.
    refused = await desk.act(complaint, "assess", "clerk", REJECT)
    assert_problem(refused, 403, "forbidden")
    without_reason = {k: v for k, v in REJECT.items() if k != "reason"}
    assert_problem(await desk.act(complaint, "assess", "supervisor", without_reason), 422)
    still = (await desk.read(complaint)).json()
    assert (still["status"], still["version"]) == ("registered", complaint["version"])

    rejected = await desk.do(complaint, "assess", "supervisor", REJECT)
    assert (rejected["status"], rejected["accepted"]) == ("rejected", False)
    report = rejected["rejection_report"]
    assert report["reason"] == REJECT["reason"]
    assert report["rejected_by"]["id"] == str(desk.users["supervisor"].id)
    assert {p["id"] for p in report["reported_to"]} == {
        str(desk.users["supervisor"].id),
        str(other_supervisor.id),
    }
    # Every supervisor is notified, with the reason.
    for who in (desk.users["supervisor"], other_supervisor):
        notices = [n for n in await desk.notifications(who) if n["kind"] == "complaint_rejected"]
        assert len(notices) == 1 and REJECT["reason"] in notices[0]["body"]
    # The customer sees the decision, not the reason.
    seen = (await desk.read(complaint, "customer")).json()
    assert seen["status"] == "rejected" and "rejection_report" not in seen

    closed = await desk.do(complaint, "close")
    assert closed["status"] == "closed"
    # Listed for the reports, even once closed.
    other = await desk.create()
    await desk.do(other, "assess")
    rejections = await desk.client.get(API, params={"rejected": "true"}, headers=desk.headers())
    assert [c["id"] for c in rejections.json()["items"]] == [complaint["id"]]
    kept = await desk.client.get(API, params={"rejected": "false"}, headers=desk.headers())
    assert [c["id"] for c in kept.json()["items"]] == [other["id"]]


async def test_a_customer_files_its_own_through_the_portal(desk, factory):
    mine = await desk.create("customer", source="hotline")
    assert mine["source"] == "portal"  # forced, whatever was sent
    assert "owner" not in mine and mine["allowed_actions"] == []
    unsent = {
        "customer_id": str(desk.customer_id),
        "complainant": "Me",
        "description": "Slow",
        "severity": "low",
    }
    response = await desk.client.post(API, json=unsent, headers=desk.headers("customer"))
    assert response.status_code == 201 and response.json()["source"] == "portal"
    # Only for itself: another company's id is not one it can name.
    stranger = await factory.customer()
    response = await desk.client.post(
        API, json={**unsent, "customer_id": str(stranger.id)}, headers=desk.headers("customer")
    )
    assert assert_problem(response, 422)["errors"][0]["field"] == "customer_id"
    # Another company's customer cannot see it.
    outsider = await factory.user("customer")
    assert_problem(await desk.read(mine, outsider), 404, "not_found")
    timeline = await desk.client.get(f"{API}/{mine['id']}/timeline", headers=desk.headers(outsider))
    assert_problem(timeline, 404, "not_found")
    listed = await desk.client.get(API, headers=desk.headers(outsider))
    assert listed.json()["items"] == []


async def test_who_registers(desk):
    body = {
        "customer_id": str(desk.customer_id),
        "complainant": "Ms Li",
        "description": "x",
        "severity": "low",
    }
    engineer = await desk.client.post(
        API, json={**body, "source": "hotline"}, headers=desk.headers("engineer")
    )
    assert_problem(engineer, 403, "forbidden")
    no_source = await desk.client.post(API, json=body, headers=desk.headers("supervisor"))
    assert assert_problem(no_source, 422)["errors"][0]["field"] == "source"
    done = await desk.client.post(
        API, json={**body, "source": "email"}, headers=desk.headers("supervisor")
    )
    assert done.status_code == 201 and done.json()["source"] == "email"


async def test_analysis_names_an_active_staff_member(desk, factory):
    complaint = await desk.create()
    await desk.do(complaint, "assess")
    retired = await factory.user("engineer", active=False)
    for handler in (desk.users["customer"], retired):
        body = {"cause_analysis": "x", "handler_id": str(handler.id)}
        response = await desk.act(complaint, "analyze", "clerk", body)
        assert assert_problem(response, 422)["errors"][0]["field"] == "handler_id"
    clerk_handles = {"cause_analysis": "x", "handler_id": str(desk.users["supervisor"].id)}
    assert (await desk.act(complaint, "analyze", "clerk", clerk_handles)).status_code == 200
    # The same analysis and handler again changes nothing.
    again = await desk.act(complaint, "analyze", "clerk", clerk_handles)
    assert again.status_code == 200 and again.json()["version"] == complaint["version"] + 2


async def test_registering_is_idempotent(desk):
    headers = desk.headers("clerk", **{"Idempotency-Key": "complaint-1"})
    body = complaint_body(desk.customer_id)
    first = await desk.client.post(API, json=body, headers=headers)
    again = await desk.client.post(API, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert first.json()["id"] == again.json()["id"]
    other = await desk.client.post(API, json={**body, "severity": "low"}, headers=headers)
    assert_problem(other, 422)
    assert len((await desk.client.get(API, headers=desk.headers())).json()["items"]) == 1


async def test_meta_workflows_names_the_complaint_workflow_in_both_languages(desk):
    response = await desk.client.get(
        "/api/v1/meta/workflows", headers=desk.headers("customer", **{"Accept-Language": "zh-CN"})
    )
    assert response.status_code == 200
    workflow = next(w for w in response.json()["workflows"] if w["name"] == "complaint")
    states = {s["key"]: s for s in workflow["states"]}
    assert states["rejected"]["label"] == "不予受理"
    assert states["rejected"]["labels"]["en"] == "Rejected"
    assess = next(a for a in workflow["actions"] if a["key"] == "assess")
    assert assess["possible_to"] == ["accepted", "rejected"]
    enums = {e["name"] for e in response.json()["enums"]}
    assert {"complaint_source", "complaint_severity"} <= enums


async def test_a_link_to_another_customers_order_is_422(desk, factory):
    stranger = await factory.customer()
    theirs, mine = service_order_row(stranger.id), service_order_row(desk.customer_id)
    await factory.add(theirs, mine)
    for who in ("clerk", "customer"):
        body = complaint_body(desk.customer_id, service_order_id=str(theirs.id))
        response = await desk.client.post(API, json=body, headers=desk.headers(who))
        assert assert_problem(response, 422)["errors"][0]["field"] == "service_order_id", who
    own = complaint_body(desk.customer_id, service_order_id=str(mine.id))
    response = await desk.client.post(API, json=own, headers=desk.headers("customer"))
    assert response.status_code == 201 and response.json()["service_order_id"] == str(mine.id)
    assert (await desk.client.get(API, headers=desk.headers())).json()["items"][0]["id"] == (
        response.json()["id"]
    )
