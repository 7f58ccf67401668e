"""name constraints by the convention

app/db/models/naming.py gives every primary key, unique constraint and foreign key a name
(pk_<table>, uq_<table>_<columns>, fk_<table>_<columns>_<referred table>). A database built
before it has the server's names instead: PostgreSQL's <table>_pkey, <table>_<col>_key,
<table>_<col>_fkey, and SQLite none at all. This renames them, so later migrations can name what
they drop or alter. It reads the database and changes only what differs, so on a database the
earlier migrations built with the convention already in place (every new one) it does nothing.

PostgreSQL renames in place. SQLite cannot rename a constraint: each table whose names differ is
rebuilt (batch mode copies its rows into a new table declared with the names); env.py turns
foreign-key enforcement off around the migrations and checks every reference afterwards.
Indexes already follow the convention (SQLAlchemy's default ix_<table>_<column>).

Revision ID: 9176f926a6ab
Revises: 6c9ff836e1fb
Create Date: 2026-12-02 07:16:06.634785
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "9176f926a6ab"
down_revision: str | None = "6c9ff836e1fb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of app/db/models/naming.py as of this revision (a migration must not change when
# the app does).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _renames(inspector: Any, table: str) -> list[tuple[str | None, str]]:
    """(current name, convention name) of each constraint of `table` that is misnamed."""
    wanted: list[tuple[str | None, str]] = []
    pk = inspector.get_pk_constraint(table)
    if pk["constrained_columns"]:
        wanted.append((pk["name"], f"pk_{table}"))
    for uq in inspector.get_unique_constraints(table):
        wanted.append((uq["name"], f"uq_{table}_{'_'.join(uq['column_names'])}"))
    for fk in inspector.get_foreign_keys(table):
        columns = "_".join(fk["constrained_columns"])
        wanted.append((fk["name"], f"fk_{table}_{columns}_{fk['referred_table']}"))
    return [(current, new) for current, new in wanted if current != new]


def _tables(inspector: Any) -> list[str]:
    return [name for name in inspector.get_table_names() if name != "alembic_version"]


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    for table in _tables(inspector):
        renames = _renames(inspector, table)
        if not renames:
            continue
        if bind.dialect.name == "sqlite":
            # Reflected unnamed constraints take their names from the convention on the rebuild.
            with op.batch_alter_table(
                table, recreate="always", naming_convention=NAMING_CONVENTION
            ):
                pass
            continue
        for current, new in renames:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{current}" TO "{new}"')


def downgrade() -> None:
    # The names stay: no earlier revision refers to a constraint by name.
    pass
