"""Object scoping: which rows a user may see. Every read of a scoped table goes through here.

Office roles (clerk, supervisor) see everything operational. A customer user sees only its own
company's rows; a row outside the scope is reported as "not found", never "forbidden", so ids
cannot be probed. Each table registers its rule once; a table with no rule is visible to staff
only, so a new table is closed to customers until someone decides otherwise.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import (
    OFFICE_ROLES,
    Customer,
    Device,
    Event,
    Notification,
    Role,
    ServiceOrder,
    User,
    Vendor,
)

M = TypeVar("M")
Rule = Callable[[User], ColumnElement[bool]]

_RULES: dict[type[Any], Rule] = {}
# Tables whose rule binds every role, office included (e.g. one's own notifications).
_PERSONAL: set[type[Any]] = set()


def register_scope(model: type[Any], rule: Rule, *, personal: bool = False) -> None:
    _RULES[model] = rule
    if personal:
        _PERSONAL.add(model)


def visible_to(user: User, model: type[Any]) -> ColumnElement[bool]:
    """The WHERE clause that limits `model` to what `user` may see."""
    if user.role in OFFICE_ROLES and model not in _PERSONAL:
        return true()
    rule = _RULES.get(model)
    if rule is None:
        return true() if user.role == Role.engineer else false()
    return rule(user)


def select_visible(user: User, model: type[M]) -> Select[M]:
    return select(model).where(visible_to(user, model))


async def get_visible(session: AsyncSession, user: User, model: type[M], row_id: Any) -> M | None:
    stmt = select_visible(user, model).where(model.id == row_id)  # type: ignore[attr-defined]
    return (await session.scalars(stmt)).one_or_none()


def _own_company(column: Any) -> Rule:
    def rule(user: User) -> ColumnElement[bool]:
        if user.role == Role.customer:
            return column == user.customer_id if user.customer_id else false()
        return true()

    return rule


def _staff_only(user: User) -> ColumnElement[bool]:
    return false() if user.role == Role.customer else true()


register_scope(Customer, _own_company(col(Customer.id)))
register_scope(Device, _own_company(col(Device.customer_id)))
register_scope(Vendor, _staff_only)
register_scope(Notification, lambda user: col(Notification.user_id) == user.id, personal=True)


def _service_order_scope(user: User) -> ColumnElement[bool]:
    """Customers: their company's orders. Engineers: assigned to them, or worked on by them."""
    if user.role == Role.customer:
        return _own_company(col(ServiceOrder.customer_id))(user)
    worked_on = select(col(Event.object_id)).where(
        col(Event.object_type) == "service_order", col(Event.actor_id) == user.id
    )
    return or_(col(ServiceOrder.assignee_id) == user.id, col(ServiceOrder.id).in_(worked_on))


register_scope(ServiceOrder, _service_order_scope)
# A customer user sees only itself among users.
register_scope(User, lambda user: col(User.id) == user.id if user.role == Role.customer else true())
