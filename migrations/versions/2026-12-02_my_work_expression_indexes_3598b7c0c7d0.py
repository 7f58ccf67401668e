""" "My work" indexes on PostgreSQL: ([owner | assignee,] start, due, number) of the open
orders, partial on each arm of the lists' WHERE (service_orders.work; bench/scale.py measures
them).

Revision ID: 3598b7c0c7d0
Revises: d7e2f4a6b8c1
Create Date: 2026-12-02 20:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3598b7c0c7d0"
down_revision: str | None = "d7e2f4a6b8c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported, so this migration keeps building what it built: the
# expressions and predicates are app/db/models/indexes.py's WORK_KEY and WORK_INDEXES.
FAR = "'9999-01-01 00:00:00+00'::timestamp with time zone"
KEY = f"COALESCE(appointment_start, {FAR}), COALESCE(due_at, {FAR}), number"
WAITING = "status IN ('confirmed', 'new', 'reported')"
INDEXES = {
    "ix_service_orders_work_owner": ("owner_id", WAITING),
    "ix_service_orders_work_unowned": (None, f"owner_id IS NULL AND {WAITING}"),
    "ix_service_orders_work_assignee": (
        "assignee_id",
        "status IN ('assigned', 'in_progress', 'on_hold', 'reported')",
    ),
    "ix_service_orders_work_active": (
        None,
        "status IN ('assigned', 'in_progress', 'new', 'on_hold')",
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite sorts the few open orders of one person
    for name, (person, where) in INDEXES.items():
        columns = f"{person}, {KEY}" if person else KEY
        op.execute(f"CREATE INDEX {name} ON service_orders ({columns}) WHERE {where}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
