"""service orders sla notifications

Revision ID: 5d096294e637
Revises: a3b0707a9411
Create Date: 2026-11-27 08:35:11.904547
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql
import app.db.types

revision: str = '5d096294e637'
down_revision: str | None = 'a3b0707a9411'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('business_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('number_sequences',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('sla_policies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolve_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'priority')
    )
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_policies_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sla_policies_updated_at'), ['updated_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('service_orders',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=50), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('held_from', sa.String(length=20), nullable=True),
    sa.Column('hold_reason', sa.Text(), nullable=True),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('appointment_start', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('appointment_end', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('responded_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reported_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response_due_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response_warning_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolve_warning_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sla_state', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('service_record', sa.Text(), nullable=True),
    sa.Column('signoff', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('confirmation', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('closed_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('external_ref', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_ref'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.create_index('ix_service_orders_assignee_status', ['assignee_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_service_orders_sla_scan', ['status', 'sla_state'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_updated_at'), ['updated_at'], unique=False)

    op.create_table('service_order_signatures',
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('png', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['service_orders.id'], ),
    sa.PrimaryKeyConstraint('order_id')
    )
    op.create_table('sla_pauses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('started_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['service_orders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sla_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_pauses_order_id'), ['order_id'], unique=False)


    _seed_default_sla_policies()


# Business minutes (one business day = 480): the department's published commitments until a
# supervisor changes them through /api/v1/sla-policies.
DEFAULT_SLA = {
    "urgent": (30, 480),
    "high": (60, 960),
    "normal": (240, 2400),
    "low": (480, 4800),
}


def _seed_default_sla_policies() -> None:
    import uuid
    from datetime import UTC, datetime

    policies = sa.table(
        "sla_policies",
        sa.column("id", sa.Uuid()),
        sa.column("created_at", app.db.types.UTCDateTime()),
        sa.column("updated_at", app.db.types.UTCDateTime()),
        sa.column("version", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("priority", sa.String()),
        sa.column("response_minutes", sa.Integer()),
        sa.column("resolve_minutes", sa.Integer()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        policies,
        [
            {
                "id": uuid.uuid4(), "created_at": now, "updated_at": now, "version": 1,
                "kind": kind, "priority": priority, "response_minutes": response,
                "resolve_minutes": resolve,
            }
            for kind in ("remote", "onsite")
            for priority, (response, resolve) in DEFAULT_SLA.items()
        ],
    )

def downgrade() -> None:
    with op.batch_alter_table('sla_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_pauses_order_id'))

    op.drop_table('sla_pauses')
    op.drop_table('service_order_signatures')
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_orders_updated_at'))
        batch_op.drop_index(batch_op.f('ix_service_orders_status'))
        batch_op.drop_index('ix_service_orders_sla_scan')
        batch_op.drop_index(batch_op.f('ix_service_orders_owner_id'))
        batch_op.drop_index(batch_op.f('ix_service_orders_due_at'))
        batch_op.drop_index(batch_op.f('ix_service_orders_device_id'))
        batch_op.drop_index(batch_op.f('ix_service_orders_customer_id'))
        batch_op.drop_index(batch_op.f('ix_service_orders_created_at'))
        batch_op.drop_index('ix_service_orders_assignee_status')

    op.drop_table('service_orders')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_created')

    op.drop_table('notifications')
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_policies_updated_at'))
        batch_op.drop_index(batch_op.f('ix_sla_policies_created_at'))

    op.drop_table('sla_policies')
    op.drop_table('number_sequences')
    op.drop_table('business_calendar')
