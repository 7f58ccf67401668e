"""What a complaint may be linked to: the customer's own service order, repair order, visit."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import CallbackVisit, Customer, RepairOrder, Role, ServiceOrder, User
from app.domain.common import get_for_field
from app.domain.errors import ValidationFailed


async def check_links(
    session: AsyncSession,
    actor: User,
    customer_id: uuid.UUID,
    *,
    service_order_id: uuid.UUID | None,
    repair_order_id: uuid.UUID | None,
    visit_id: uuid.UUID | None,
) -> None:
    """422 on the field when the customer, or a linked object, does not exist or belongs to
    another customer.

    A customer looks objects up in its own scope, so another company's order is "does not
    exist" (no enumeration). Staff look them up as the system: an engineer registering a
    complaint from a visit may link an order that is not theirs; the customer check is the rule.
    """
    seen_as = actor if actor.role == Role.customer else None
    await get_for_field(session, seen_as, Customer, customer_id, "customer_id", "Customer")
    linked: tuple[tuple[str, type[ServiceOrder | RepairOrder], uuid.UUID | None, str], ...] = (
        ("service_order_id", ServiceOrder, service_order_id, "Service order"),
        ("repair_order_id", RepairOrder, repair_order_id, "Repair order"),
    )
    for field, model, row_id, what in linked:
        if row_id is None:
            continue
        row = await get_for_field(session, seen_as, model, row_id, field, what)
        if row.customer_id != customer_id:
            raise ValidationFailed([(field, "belongs to another customer")])
    if visit_id is not None:
        await check_visit(session, seen_as, visit_id, customer_id)


async def check_visit(
    session: AsyncSession, seen_as: User | None, visit_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    """The callback visit a complaint was raised in must be the same customer's (a customer
    sees only its own online surveys, so any other visit "does not exist")."""
    visit = await get_for_field(session, seen_as, CallbackVisit, visit_id, "visit_id", "Visit")
    if visit.customer_id != customer_id:
        raise ValidationFailed([("visit_id", "belongs to another customer")])
