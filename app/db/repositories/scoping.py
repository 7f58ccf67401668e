"""Object scoping: which rows a user may see. Every read of a scoped table goes through here.

Office roles (clerk, supervisor) see everything operational. A customer user sees only its own
company's rows; a row outside the scope is reported as "not found", never "forbidden", so ids
cannot be probed. Each table registers its rule once; a table with no rule is visible to staff
only, so a new table is closed to customers until someone decides otherwise; and a table with a
`customer_id` or an `assignee_id` but no rule fails tests/db/test_scoping.py. A workflow resource
gets its rule in one line: `register_scope(RepairOrder, assigned_or_worked_on(RepairOrder))`.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import (
    OFFICE_ROLES,
    CallbackVisit,
    Case,
    Complaint,
    Customer,
    Device,
    Event,
    ExternalRepair,
    Notification,
    Participant,
    Record,
    RepairOrder,
    Role,
    ServiceOrder,
    User,
    Vendor,
    VisitMethod,
)

M = TypeVar("M")
Rule = Callable[[User], ColumnElement[bool]]

_RULES: dict[type[Any], Rule] = {}
# Tables whose rule binds every role, office included (e.g. one's own notifications).
_PERSONAL: set[type[Any]] = set()
# Tables with a customer or an assignee that are deliberately read by other means (see below).
_ELSEWHERE: set[type[Any]] = set()


# The object types whose "worked on" scope reads participants, kept as rules register: every
# event of a staff user asks (events.record_event).
_WORKED_ON: set[str] = set()


def register_scope(model: type[Any], rule: Rule, *, personal: bool = False) -> None:
    _RULES[model] = rule
    if personal:
        _PERSONAL.add(model)
    if isinstance(rule, AssignedOrWorkedOn):
        _WORKED_ON.add(rule.object_type)


def scoped_elsewhere(*models: type[Any]) -> None:
    """Declare that these tables are never read through `visible_to` (say where, and why)."""
    _ELSEWHERE.update(models)


def has_scope_decision(model: type[Any]) -> bool:
    """True when someone decided who sees `model`: a rule, or a declared other path."""
    return model in _RULES or model in _ELSEWHERE


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


@dataclass(frozen=True)
class _AnyUser:
    """Stands in for the users of one role while a rule builds its clause: their id and
    company are bound parameters, so the statement is built once and reused (building and
    cache-keying it again was a tenth of a read's CPU)."""

    role: Role
    id: Any
    customer_id: Any


def stand_in(role: Role, has_company: bool = False) -> User:
    """A user of `role` whose id and company are the bound parameters `scope_user_id` and
    `scope_customer_id`: for statements built once per role and reused."""
    company: Any = bindparam("scope_customer_id") if has_company else None
    return cast(User, _AnyUser(role, bindparam("scope_user_id"), company))


_BY_ID: dict[tuple[type[Any], Role, bool, bool], Select[Any]] = {}
_LOCK_ON_READ = "lock_on_read"  # session.info: the model whose next by-id read locks its row


def _select_by_id(user: User, model: type[M], for_update: bool) -> Select[M]:
    has_company = user.customer_id is not None
    key = (model, user.role, has_company, for_update)
    stmt = _BY_ID.get(key)
    if stmt is None:
        row = model.id == bindparam("row_id")  # type: ignore[attr-defined]
        stmt = select_visible(stand_in(user.role, has_company), model).where(row)
        if for_update:
            stmt = stmt.with_for_update(of=model)
        _BY_ID[key] = stmt
    return stmt


@contextmanager
def lock_on_read(session: AsyncSession, model: type[Any]) -> Iterator[Callable[[], bool]]:
    """PostgreSQL: the next by-id read of `model` in this block also locks the row it returns
    (SELECT … FOR UPDATE): one statement instead of lock_row and then the read. A concurrent
    writer's row is waited for and then read as it committed it, as with lock_row first.
    Yields a function telling whether such a read happened (if not, nothing was locked)."""
    session.info[_LOCK_ON_READ] = model
    done = [False]
    try:
        yield lambda: done[0]
    finally:
        done[0] = session.info.pop(_LOCK_ON_READ, None) is None


async def get_visible(session: AsyncSession, user: User, model: type[M], row_id: Any) -> M | None:
    for_update = session.info.get(_LOCK_ON_READ) is model
    if for_update:
        session.info.pop(_LOCK_ON_READ)
    stmt = _select_by_id(user, model, for_update)
    params = {"row_id": row_id, "scope_user_id": user.id, "scope_customer_id": user.customer_id}
    return (await session.scalars(stmt, params)).one_or_none()


def own_company(column: Any) -> Rule:
    """Customer users: rows whose `column` is their company. Staff: every row."""

    def rule(user: User) -> ColumnElement[bool]:
        if user.role == Role.customer:
            return column == user.customer_id if user.customer_id is not None else false()
        return true()

    return rule


@dataclass(frozen=True)
class Arm:
    """One part of a scope that is a union: the rows `where` selects (after joining `join`, if
    any), which an index returns in (`created_at`, `id`) order, the model's own creation order."""

    where: ColumnElement[bool]
    created_at: Any
    id: Any
    join: tuple[Any, ColumnElement[bool]] | None = None


class AssignedOrWorkedOn:
    """The rule of a workflow resource. Customer users: their company's rows (`customer_id`).
    Engineers: rows assigned to them (the `assignee` column) or that they have acted on (a
    participants row of theirs, written with their events), so work they handed on stays
    readable. Office roles see everything anyway.

    An engineer's scope is a union of those two, which no single index holds in order: `arms`
    gives each part as its own index range, for lists paged by creation (pagination.
    paginate_visible), so a page reads a page of each however long the engineer's history."""

    def __init__(self, model: type[Any], assignee: str = "assignee_id") -> None:
        self.table = model.__table__
        self.object_type: str = model.object_type
        self.assignee = assignee
        self.by_company = own_company(self.table.c.customer_id)

    def __call__(self, user: User) -> ColumnElement[bool]:
        if user.role == Role.customer:
            return self.by_company(user)
        worked_on = select(col(Participant.object_id)).where(
            col(Participant.user_id) == user.id, col(Participant.object_type) == self.object_type
        )
        return or_(self.table.c[self.assignee] == user.id, self.table.c.id.in_(worked_on))

    def arms(self, user: User) -> list[Arm] | None:
        if user.role != Role.engineer:
            return None
        rows = self.table.c
        mine = and_(
            col(Participant.user_id) == user.id, col(Participant.object_type) == self.object_type
        )
        return [
            Arm(rows[self.assignee] == user.id, rows.created_at, rows.id),
            Arm(
                mine,
                col(Participant.object_created_at),
                col(Participant.object_id),
                join=(Participant, col(Participant.object_id) == rows.id),
            ),
        ]


def assigned_or_worked_on(model: type[Any], assignee: str = "assignee_id") -> Rule:
    return AssignedOrWorkedOn(model, assignee)


def visible_arms(user: User, model: type[Any]) -> list[Arm] | None:
    """`visible_to(user, model)` as a union of index ranges, when it is one (an engineer's
    workflow resources); None when it is one WHERE."""
    if user.role in OFFICE_ROLES and model not in _PERSONAL:
        return None
    rule = _RULES.get(model)
    return rule.arms(user) if isinstance(rule, AssignedOrWorkedOn) else None


def records_participants(object_type: str) -> bool:
    """Whether the "worked on" scope of this object type reads participants, so an event on it
    makes its staff actor one (events.record_event)."""
    return object_type in _WORKED_ON


def staff_only(user: User) -> ColumnElement[bool]:
    return false() if user.role == Role.customer else true()


def _handled_or_proposed(user: User) -> ColumnElement[bool]:
    # Cases are internal: customers never see one; engineers those they handle or proposed.
    if user.role == Role.customer:
        return false()
    return or_(col(Case.handler_id) == user.id, col(Case.proposed_by_id) == user.id)


def _only_oneself(user: User) -> ColumnElement[bool]:
    return col(User.id) == user.id if user.role == Role.customer else true()


def _visits(user: User) -> ColumnElement[bool]:
    """Callback visits: a customer sees only its own company's online surveys (the others are
    the department's calls about it); an engineer the visits they are the visitor of."""
    if user.role == Role.customer:
        return and_(
            own_company(col(CallbackVisit.customer_id))(user),
            col(CallbackVisit.method) == VisitMethod.online_survey,
        )
    return col(CallbackVisit.visitor_id) == user.id


def _attempts_of_assigned_repairs(user: User) -> ColumnElement[bool]:
    """External repairs: never customers (vendors and costs are the department's); engineers
    only the attempts of repair orders assigned to them."""
    if user.role == Role.customer:
        return false()
    assigned = select(col(RepairOrder.id)).where(col(RepairOrder.assignee_id) == user.id)
    return col(ExternalRepair.repair_order_id).in_(assigned)


def _own_notifications(user: User) -> ColumnElement[bool]:
    return col(Notification.user_id) == user.id


register_scope(Customer, own_company(col(Customer.id)))
register_scope(Device, own_company(col(Device.customer_id)))
register_scope(Vendor, staff_only)
register_scope(Notification, _own_notifications, personal=True)
register_scope(ServiceOrder, assigned_or_worked_on(ServiceOrder))
register_scope(RepairOrder, assigned_or_worked_on(RepairOrder))
register_scope(CallbackVisit, _visits)
# Engineers see the complaints they handle (or worked on).
register_scope(Complaint, assigned_or_worked_on(Complaint, assignee="handler_id"))
register_scope(ExternalRepair, _attempts_of_assigned_repairs)
register_scope(Case, _handled_or_proposed)
register_scope(User, _only_oneself)  # a customer user sees only itself among users
# Events and records carry the customer of their object, but are never read through here: the
# timeline loads its object through that object's rule first and then filters by customer_id,
# and the feed filters by customer_id itself.
scoped_elsewhere(Event, Record)
