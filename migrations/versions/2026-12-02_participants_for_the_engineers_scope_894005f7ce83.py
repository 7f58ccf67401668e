"""participants: who has worked on which workflow object, in the objects' creation order (an
engineer's "worked on" scope; replaces reading their events through ix_events_actor_object)

Revision ID: 894005f7ce83
Revises: 3598b7c0c7d0
Create Date: 2026-12-02 21:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "894005f7ce83"
down_revision: str | None = "3598b7c0c7d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The workflow resources whose engineers' scope is "assigned to or worked on" (scoping.py), by
# object type and table, as they were when this migration was written.
WORKED_ON = {
    "service_order": "service_orders",
    "repair_order": "repair_orders",
    "complaint": "complaints",
}


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("object_created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_participants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "object_type", "object_id", name=op.f("pk_participants")),
    )
    # Everyone on the staff who has an event on one of these objects has worked on it.
    for object_type, table in WORKED_ON.items():
        op.execute(
            "INSERT INTO participants (user_id, object_type, object_id, object_created_at) "
            "SELECT DISTINCT e.actor_id, e.object_type, e.object_id, o.created_at FROM events e "
            f"JOIN {table} o ON o.id = e.object_id JOIN users u ON u.id = e.actor_id "
            f"WHERE e.object_type = '{object_type}' AND u.role <> 'customer'"
        )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participants_user_created",
            ["user_id", "object_type", "object_created_at", "object_id"],
            unique=False,
        )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_actor_object")


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_actor_object", ["actor_id", "object_type", "object_id"], unique=False
        )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index("ix_participants_user_created")
    op.drop_table("participants")
