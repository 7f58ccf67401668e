"""events.horizon: the event log without a global lock (issue 9; docs/decisions.md "The event
feed without the lock")

A BEFORE INSERT trigger on PostgreSQL gives every event its `seq` and its `horizon`: the
writer's xid is made certain first, then the seq is drawn, then the horizon is read — one past
the newest xid held by any transaction of this database at that moment. A reader returns only
the events whose horizon is at or below its snapshot's xmin (app/domain/event_feed.py), so a
seq is never shown before a smaller one that may still commit.

The column default (`nextval`) is dropped so the trigger's draw, made after the xid, is the
only one. Rows written before this migration keep a NULL horizon: they were appended under the
old advisory lock, so they were committed in seq order, and readers treat them as settled.
SQLite has one writer at a time and leaves the column NULL.

Revision ID: d7e2f4a6b8c1
Revises: e1f2a3b4c5d6
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7e2f4a6b8c1"
down_revision: str | None = "e1f2a3b4c5d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The oldest and the newest xid held right now by a transaction of this database, as 64-bit
# numbers. pg_stat_activity is PostgreSQL's own table of what each backend holds (no function
# returns the next xid to be handed out); it shows xids in 32 bits, placed here next to `near`
# (running xids are always within 2^31 of each other). Its copy is cached per transaction, so
# it is dropped first to read the current one. PL/pgSQL, so its plan is kept per connection.
_HELD_XIDS = """
CREATE FUNCTION aftercare_held_xids(near bigint, OUT oldest bigint, OUT newest bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_stat_clear_snapshot();
    SELECT min(x), max(x) INTO oldest, newest
      FROM (SELECT near + (a.backend_xid::text::bigint - near % 4294967296 + 6442450944)
                   % 4294967296 - 2147483648 AS x
              FROM pg_stat_get_activity(NULL) AS a
             WHERE a.backend_xid IS NOT NULL
               AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
           ) AS held;
END $$
"""
# The writer's half: its xid first, then the seq, then the horizon — one past the newest xid
# any transaction of this database holds once the seq is drawn.
_POSITION = """
CREATE FUNCTION aftercare_event_position() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    own bigint := pg_current_xact_id()::text::bigint;  -- assigns our xid if we had none
BEGIN
    NEW.seq := nextval('{sequence}');
    NEW.horizon := greatest(own, (aftercare_held_xids(own)).newest) + 1;
    RETURN NEW;
END $$
"""
# The reader's half, called before it reads the page: no transaction that can still commit an
# event holds an xid below this (the snapshot's xmax covers the xids handed out after the read).
_FEED_BOUND = """
CREATE FUNCTION aftercare_event_feed_bound() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    xmax bigint := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
BEGIN
    RETURN least(xmax, (aftercare_held_xids(xmax)).oldest);
END $$
"""


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("horizon", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    sequence = op.get_bind().scalar(sa.text("SELECT pg_get_serial_sequence('events', 'seq')"))
    # A smaller seq must always have been drawn earlier: no per-session cache of values.
    op.execute(f"ALTER SEQUENCE {sequence} CACHE 1")
    op.execute("ALTER TABLE events ALTER COLUMN seq DROP DEFAULT")
    op.execute(_HELD_XIDS)
    op.execute(_POSITION.format(sequence=sequence))
    op.execute(_FEED_BOUND)
    op.execute(
        "CREATE TRIGGER events_position BEFORE INSERT ON events "
        "FOR EACH ROW EXECUTE FUNCTION aftercare_event_position()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        sequence = op.get_bind().scalar(sa.text("SELECT pg_get_serial_sequence('events', 'seq')"))
        op.execute("DROP TRIGGER events_position ON events")
        op.execute("DROP FUNCTION aftercare_event_position()")
        op.execute("DROP FUNCTION aftercare_event_feed_bound()")
        op.execute("DROP FUNCTION aftercare_held_xids(bigint)")
        op.execute(f"ALTER TABLE events ALTER COLUMN seq SET DEFAULT nextval('{sequence}')")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("horizon")
