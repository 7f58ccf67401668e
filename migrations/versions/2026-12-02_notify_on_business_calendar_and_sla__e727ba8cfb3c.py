"""Notify API processes when the business calendar or an SLA policy changes (PostgreSQL).

Statement triggers call pg_notify('aftercare_reference') on any insert, update, delete or
truncate, whoever makes it; each process drops its cached copy (app/db/reference_cache.py).
SQLite has no notices and caches nothing, so it needs nothing here.

Revision ID: e727ba8cfb3c
Revises: 1745a2926c36
Create Date: 2026-12-02 07:25:36.843011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e727ba8cfb3c"
down_revision: str | None = "1745a2926c36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TABLES = ("business_calendar", "sla_policies")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION aftercare_notify_reference() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('aftercare_reference', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION aftercare_notify_reference()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TRIGGER {table}_changed ON {table}")
    op.execute("DROP FUNCTION aftercare_notify_reference()")
