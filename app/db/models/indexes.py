"""Indexes for the list filters, the engineer's scope and the SLA watcher (bench/RESULTS.md).

Kept apart from the table classes so they can be read as one plan: each serves one query shape.
An Index built on a table's columns attaches itself to that table's metadata.
"""

from sqlalchemy import Index

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
