"""Indexes for the list filters, the engineer's scope and the SLA watcher (bench/RESULTS.md).

Kept apart from the table classes so they can be read as one plan: each serves one query shape.
An Index built on a table's columns attaches itself to that table's metadata.
"""

from sqlalchemy import Index, text

from app.db.models.events import Event
from app.db.models.service_orders import ServiceOrder

_orders = ServiceOrder.__table__.c  # type: ignore[attr-defined]
_events = Event.__table__.c  # type: ignore[attr-defined]

# A filtered first page (and every cursor after it) is an ordered range of one of these; the
# default sort is (created_at, id).
Index("ix_service_orders_customer_created", _orders.customer_id, _orders.created_at, _orders.id)
Index("ix_service_orders_status_created", _orders.status, _orders.created_at, _orders.id)
Index("ix_service_orders_assignee_created", _orders.assignee_id, _orders.created_at, _orders.id)
# An engineer sees the orders they worked on: the ids of the objects their events name.
Index("ix_events_actor_object", _events.actor_id, _events.object_type, _events.object_id)

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


def managed_by_models(name: str | None, type_: str) -> bool:
    """The include_name hook of autogenerate: False for the PostgreSQL-only trigram indexes."""
    return not (type_ == "index" and name in TRIGRAM_INDEXES)
