"""Notify API processes when a user or a login (token family) changes (PostgreSQL).

Statement triggers call pg_notify('aftercare_logins') on any insert, update, delete or truncate
of users and token_families, whoever makes it; each process drops its cached login checks and
people's names (app/db/reference_cache.py, LOGINS). SQLite caches nothing and needs nothing.

Revision ID: e1f2a3b4c5d6
Revises: d7e3f1a2b4c5
Create Date: 2026-12-02 20:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e1f2a3b4c5d6"
down_revision: str | None = "d7e3f1a2b4c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TABLES = ("users", "token_families")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION aftercare_notify_logins() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('aftercare_logins', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION aftercare_notify_logins()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TRIGGER {table}_changed ON {table}")
    op.execute("DROP FUNCTION aftercare_notify_logins()")
