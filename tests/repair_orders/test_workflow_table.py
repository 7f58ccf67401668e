"""The repair-order and external-repair tables: the re-inspection gate holds by construction,
and the warranty decision is made on the receipt day in the business time zone."""

from collections import deque
from datetime import UTC, date, datetime

import pytest

from app.db.models.repairs import ExternalRepairStatus, RepairOrderStatus
from app.domain.external_repairs.workflow import EXTERNAL_REPAIR
from app.domain.repair_orders.warranty import decide_warranty
from app.domain.repair_orders.workflow import REPAIR_ORDER, VENDOR_RETURNED_REPAIRED

S = RepairOrderStatus


def _edges() -> list[tuple[str, str, str]]:
    """(from, action, to) for every way the repair order can move, vendor returns included."""
    edges = []
    for action in REPAIR_ORDER.actions.values():
        targets = {action.target, *action.outcomes} - {None}
        edges += [(source, action.name, t) for source in action.sources for t in targets]
    source, target = VENDOR_RETURNED_REPAIRED
    edges.append((source, "vendor_returned", target))
    return edges


def test_delivered_is_reached_only_from_a_passed_reinspection():
    into_delivered = [e for e in _edges() if e[2] == S.delivered]
    assert into_delivered == [(S.ready, "deliver", S.delivered)]
    into_ready = [e for e in _edges() if e[2] == S.ready]
    assert into_ready == [(S.reinspection, "reinspect", S.ready)]


def test_every_repair_and_every_return_leads_into_reinspection_before_ready():
    """Walk every path: after any repair work or vendor return, `ready` needs `reinspect` first."""
    work = {"finish_repair", "return_unrepaired", "vendor_returned"}
    edges = _edges()
    # State, plus "has there been work since the last passed re-inspection".
    start = (S.received, False)
    seen, queue = {start}, deque([start])
    while queue:
        state, dirty = queue.popleft()
        for source, action, target in edges:
            if source != state:
                continue
            if target == S.ready:
                assert action == "reinspect"
            after = False if (action == "reinspect" and target == S.ready) else dirty
            after = after or action in work
            if target == S.delivered:
                assert not dirty, f"{state} → delivered with unchecked work"
            if (target, after) not in seen:
                seen.add((target, after))
                queue.append((target, after))
    assert (S.delivered, False) in seen


def test_a_failed_reinspection_returns_to_repairing_and_cancel_stops_before_repair():
    reinspect = REPAIR_ORDER.action("reinspect")
    assert reinspect.target == S.ready and reinspect.outcomes == (S.repairing,)
    assert REPAIR_ORDER.action("cancel").sources == {S.received, S.assigned, S.diagnosed}


def test_external_attempt_is_contacted_before_it_is_sent():
    assert EXTERNAL_REPAIR.action("send").sources == {ExternalRepairStatus.contacted}
    assert EXTERNAL_REPAIR.action("contact").sources == {ExternalRepairStatus.planned}
    receive = EXTERNAL_REPAIR.action("receive")
    assert {receive.target, *receive.outcomes} == {"returned", "unrepairable"}
    assert EXTERNAL_REPAIR.action("follow_up").target is None  # the state does not change


@pytest.mark.parametrize(
    ("received_at", "in_warranty"),
    [
        (datetime(2026, 6, 30, 15, 59, tzinfo=UTC), True),  # 23:59 on the 30th in Shanghai
        (datetime(2026, 6, 30, 16, 0, tzinfo=UTC), False),  # 00:00 on 1 July in Shanghai
        (datetime(2026, 6, 29, 9, 0, tzinfo=UTC), True),
        (datetime(2026, 7, 2, 2, 0, tzinfo=UTC), False),
    ],
)
def test_warranty_is_decided_on_the_receipt_day_in_the_business_time_zone(received_at, in_warranty):
    decided = decide_warranty(date(2026, 6, 30), received_at, "Asia/Shanghai", received_at)
    assert decided.in_warranty is in_warranty
    assert "2026-06-30" in decided.basis


def test_no_warranty_date_means_out_of_warranty():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    decided = decide_warranty(None, now, "Asia/Shanghai", now)
    assert not decided.in_warranty and "no warranty date" in decided.basis
