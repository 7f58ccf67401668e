"""The warranty decision of a repair order (SPEC §4.2): made on the server at diagnosis, from the
device's `warranty_until` against the day the device was received, in the business time zone
(a device handed in at 00:30 Shanghai time on the expiry day's successor is out of warranty,
whatever UTC says)."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WarrantyDecision:
    in_warranty: bool
    basis: str
    received_on: date
    decided_at: datetime


def decide_warranty(
    warranty_until: date | None, received_at: datetime, zone: str, decided_at: datetime
) -> WarrantyDecision:
    received_on = received_at.astimezone(ZoneInfo(zone)).date()
    if warranty_until is None:
        return WarrantyDecision(
            False, "no warranty date recorded for this device", received_on, decided_at
        )
    if received_on <= warranty_until:
        basis = f"received {received_on.isoformat()}, warranty until {warranty_until} (inclusive)"
        return WarrantyDecision(True, basis, received_on, decided_at)
    late = (received_on - warranty_until).days
    basis = f"received {received_on.isoformat()}, warranty ended {warranty_until} ({late} day(s))"
    return WarrantyDecision(False, basis, received_on, decided_at)
