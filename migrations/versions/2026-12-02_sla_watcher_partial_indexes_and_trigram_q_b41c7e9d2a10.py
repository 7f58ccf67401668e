"""The SLA watcher's partial indexes (both databases) and trigram indexes for `q` on the
service orders (PostgreSQL only, pg_trgm) — bench/scale.py measures both (issue 9).

Revision ID: b41c7e9d2a10
Revises: a896819eb78f
Create Date: 2026-12-02 17:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b41c7e9d2a10"
down_revision: str | None = "a896819eb78f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = "status IN ('assigned', 'in_progress', 'new')"
SLA_ARMS = {
    "ix_service_orders_sla_response_warning": (
        "response_warning_at",
        "sla_state = 'ok' AND responded_at IS NULL",
    ),
    "ix_service_orders_sla_resolve_warning": ("resolve_warning_at", "sla_state = 'ok'"),
    "ix_service_orders_sla_response_due": (
        "response_due_at",
        "sla_state = 'warning' AND responded_at IS NULL",
    ),
    "ix_service_orders_sla_resolve_due": ("due_at", "sla_state = 'warning'"),
}
TRIGRAM = ("number", "subject", "description", "contact_name")


def upgrade() -> None:
    for name, (column, arm) in SLA_ARMS.items():
        where = sa.text(f"{RUNNING} AND {arm}")
        op.create_index(
            name, "service_orders", [column], postgresql_where=where, sqlite_where=where
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in TRIGRAM:
            op.execute(
                f"CREATE INDEX ix_service_orders_trgm_{column} ON service_orders "
                f"USING gin (lower({column}) gin_trgm_ops)"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in TRIGRAM:
            op.execute(f"DROP INDEX IF EXISTS ix_service_orders_trgm_{column}")
    for name in SLA_ARMS:
        op.drop_index(name, table_name="service_orders")
