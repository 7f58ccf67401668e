"""Indexes for the list filters, the engineer's scope, my work and the SLA watcher
(bench/RESULTS.md).

Kept apart from the table classes so they can be read as one plan: each serves one query shape.
An Index built on a table's columns attaches itself to that table's metadata.
"""

from sqlalchemy import Index, text

from app.db.models.events import Participant
from app.db.models.service_orders import ServiceOrder
from app.db.types import FAR_FUTURE_SQL

_orders = ServiceOrder.__table__.c  # type: ignore[attr-defined]
_participants = Participant.__table__.c  # type: ignore[attr-defined]

# A filtered first page (and every cursor after it) is an ordered range of one of these; the
# default sort is (created_at, id).
Index("ix_service_orders_customer_created", _orders.customer_id, _orders.created_at, _orders.id)
Index("ix_service_orders_status_created", _orders.status, _orders.created_at, _orders.id)
Index("ix_service_orders_assignee_created", _orders.assignee_id, _orders.created_at, _orders.id)
# An engineer sees the orders they worked on: their participants rows, in the objects' creation
# order (the primary key answers "did they work on this one").
Index(
    "ix_participants_user_created",
    _participants.user_id,
    _participants.object_type,
    _participants.object_created_at,
    _participants.object_id,
)

# The SLA watcher looks for running orders whose next warning or deadline has passed: one
# partial index per arm of its WHERE (sla_worker.scan_once), each holding only the running
# orders that arm can ever select, so finding nothing due costs an index probe, not a scan of
# every running order.
_RUNNING = "status IN ('assigned', 'in_progress', 'new')"
_SLA_ARMS = {
    "ix_service_orders_sla_response_warning": (
        _orders.response_warning_at,
        "sla_state = 'ok' AND responded_at IS NULL",
    ),
    "ix_service_orders_sla_resolve_warning": (_orders.resolve_warning_at, "sla_state = 'ok'"),
    "ix_service_orders_sla_response_due": (
        _orders.response_due_at,
        "sla_state = 'warning' AND responded_at IS NULL",
    ),
    "ix_service_orders_sla_resolve_due": (_orders.due_at, "sla_state = 'warning'"),
}
# The watcher's WHERE, arm by arm, in the very words of the index predicates: literal SQL, so
# the planner can match them even in a generic prepared plan (a bound parameter would not).
SLA_ARMS = [(column, f"{_RUNNING} AND {arm}") for column, arm in _SLA_ARMS.values()]
for _name, (_column, _arm) in _SLA_ARMS.items():
    _where = text(f"{_RUNNING} AND {_arm}")
    Index(_name, _column, postgresql_where=_where, sqlite_where=_where)

# `q` on PostgreSQL: trigram GIN indexes on the lowered searched columns answer the
# case-insensitive substring match (common.text_search) without reading the table. They exist
# only on PostgreSQL (pg_trgm), so they are made by the migration and not declared here;
# migrations/env.py and the drift test leave these names alone.
TRIGRAM_INDEXES = {
    f"ix_service_orders_trgm_{c}": ("service_orders", c)
    for c in ("number", "subject", "description", "contact_name")
}


# "My work" (service_orders.work) walks the open orders of one person by (appointment start,
# due time, number), a missing start or due time counting as FAR_FUTURE, so those come last:
# one partial expression index per arm of its WHERE, led by the column that names the person
# where there is one (PostgreSQL orders by the later columns only after an equality, not after
# IS NULL, hence the unowned orders' own index). Each range of the walk (today's appointments,
# earlier ones, later ones and then none) is then an ordered index range read up to one page.
# The states are literal SQL, in the very words of the index predicates, for the reason the
# SLA arms are. These are PostgreSQL-only (an expression index on a literal that differs between
# the databases), made by their migration; SQLite sorts, as it does for `q`.
WORK_KEY = (
    f"COALESCE(appointment_start, {FAR_FUTURE_SQL})",
    f"COALESCE(due_at, {FAR_FUTURE_SQL})",
    "number",
)
OFFICE_WAITING_SQL = "status IN ('confirmed', 'new', 'reported')"
ENGINEER_WORK_SQL = "status IN ('assigned', 'in_progress', 'on_hold', 'reported')"
ACTIVE_SQL = "status IN ('assigned', 'in_progress', 'new', 'on_hold')"  # where overdue ones are
WORK_INDEXES = {  # name: (leading column or None, predicate)
    "ix_service_orders_work_owner": ("owner_id", OFFICE_WAITING_SQL),
    "ix_service_orders_work_unowned": (None, f"owner_id IS NULL AND {OFFICE_WAITING_SQL}"),
    "ix_service_orders_work_assignee": ("assignee_id", ENGINEER_WORK_SQL),
    "ix_service_orders_work_active": (None, ACTIVE_SQL),
}
POSTGRESQL_ONLY_INDEXES = {*TRIGRAM_INDEXES, *WORK_INDEXES}


def managed_by_models(name: str | None, type_: str) -> bool:
    """The include_name hook of autogenerate: False for the PostgreSQL-only indexes (trigram,
    my work), which their migrations make."""
    return not (type_ == "index" and name in POSTGRESQL_ONLY_INDEXES)
