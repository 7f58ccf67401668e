"""`GET /users/me/work`: what the caller is responsible for now, across order types.

An item names its `kind` (the object type), why it is on the list (`reason`) and the object
itself. Repair orders and cases join as further members of `WorkItem` (`kind: "repair_order"`,
`kind: "case"`) without changing the list's schema.
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from app.domain.repair_orders.schemas import RepairOrderRead
from app.domain.schemas import ReadModel
from app.domain.service_orders.schemas import ServiceOrderRead


class WorkReason(StrEnum):
    assigned = "assigned"  # an engineer's assignment
    appointment = "appointment"  # an engineer's booked visit
    owned_waiting = "owned_waiting"  # 首问负责: an order the caller owns waits for the office
    unowned = "unowned"  # nobody in the office has taken it yet (e.g. opened on the portal)
    overdue = "overdue"  # past its due time: a supervisor chases it


class ServiceOrderWork(ReadModel):
    kind: Literal["service_order"]
    reason: WorkReason
    today: bool = Field(description="has an appointment today (business time zone)")
    order: ServiceOrderRead


class RepairOrderWork(ReadModel):
    kind: Literal["repair_order"]
    reason: WorkReason
    today: bool = Field(description="always false: repairs have no appointment")
    order: RepairOrderRead


WorkItem = Annotated[ServiceOrderWork | RepairOrderWork, Field(discriminator="kind")]


class WorkList(ReadModel):
    items: list[WorkItem]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null on the last page"
    )
