"""Repair orders, the parts used on them, and external repair attempts (SPEC §4.2, §4.3).

Money (unit cost, vendor cost) is kept as integer minor units (app.db.types.Money).

Revision ID: a896819eb78f
Revises: e727ba8cfb3c
Create Date: 2026-12-02 12:55:32.611875
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql
import app.db.types

revision: str = 'a896819eb78f'
down_revision: str | None = 'e727ba8cfb3c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('repair_orders',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('received_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('fault_description', sa.Text(), nullable=False),
    sa.Column('intake', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('diagnosis', sa.Text(), nullable=True),
    sa.Column('route', sa.String(length=20), nullable=True),
    sa.Column('route_reason', sa.String(length=40), nullable=True),
    sa.Column('warranty', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('in_warranty', sa.Boolean(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('repair_summary', sa.Text(), nullable=True),
    sa.Column('reinspection', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('delivery', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('delivered_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmation', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('due_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('external_ref', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_repair_orders_assignee_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_repair_orders_customer_id_customers')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_repair_orders_device_id_devices')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_repair_orders_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_orders')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_repair_orders_external_ref')),
    sa.UniqueConstraint('number', name=op.f('uq_repair_orders_number'))
    )
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.create_index('ix_repair_orders_assignee_status', ['assignee_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_orders_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_orders_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_repair_orders_device_delivered', ['device_id', 'delivered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_orders_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_orders_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_orders_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_orders_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_orders_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_orders_updated_at'), ['updated_at'], unique=False)

    op.create_table('external_repairs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('repair_order_id', sa.Uuid(), nullable=False),
    sa.Column('vendor_id', sa.Uuid(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('sent_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pickup_receipt_no', sa.String(length=100), nullable=True),
    sa.Column('vendor_rma_no', sa.String(length=100), nullable=True),
    sa.Column('expected_back_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('follow_up_every_days', sa.Integer(), nullable=True),
    sa.Column('next_follow_up_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('follow_ups', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('returned_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('vendor_report', sa.Text(), nullable=True),
    sa.Column('cost', app.db.types.Money(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['repair_order_id'], ['repair_orders.id'], name=op.f('fk_external_repairs_repair_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_external_repairs_vendor_id_vendors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_repairs')),
    sa.UniqueConstraint('repair_order_id', 'attempt', name=op.f('uq_external_repairs_repair_order_id_attempt'))
    )
    with op.batch_alter_table('external_repairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_repairs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_repairs_expected_back_at'), ['expected_back_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_repairs_next_follow_up_at'), ['next_follow_up_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_repairs_repair_order_id'), ['repair_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_repairs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_repairs_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('ix_external_repairs_vendor_status', ['vendor_id', 'status'], unique=False)

    op.create_table('repair_parts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('repair_order_id', sa.Uuid(), nullable=False),
    sa.Column('part_number', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('faulty_serial', sa.String(length=100), nullable=True),
    sa.Column('replacement_serial', sa.String(length=100), nullable=True),
    sa.Column('unit_cost', app.db.types.Money(), nullable=False),
    sa.Column('billed_to', sa.String(length=20), nullable=False),
    sa.Column('added_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_repair_parts_added_by_id_users')),
    sa.ForeignKeyConstraint(['repair_order_id'], ['repair_orders.id'], name=op.f('fk_repair_parts_repair_order_id_repair_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_parts'))
    )
    with op.batch_alter_table('repair_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_parts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_parts_repair_order_id'), ['repair_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_parts_updated_at'), ['updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('repair_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_parts_updated_at'))
        batch_op.drop_index(batch_op.f('ix_repair_parts_repair_order_id'))
        batch_op.drop_index(batch_op.f('ix_repair_parts_created_at'))

    op.drop_table('repair_parts')
    with op.batch_alter_table('external_repairs', schema=None) as batch_op:
        batch_op.drop_index('ix_external_repairs_vendor_status')
        batch_op.drop_index(batch_op.f('ix_external_repairs_updated_at'))
        batch_op.drop_index(batch_op.f('ix_external_repairs_status'))
        batch_op.drop_index(batch_op.f('ix_external_repairs_repair_order_id'))
        batch_op.drop_index(batch_op.f('ix_external_repairs_next_follow_up_at'))
        batch_op.drop_index(batch_op.f('ix_external_repairs_expected_back_at'))
        batch_op.drop_index(batch_op.f('ix_external_repairs_created_at'))

    op.drop_table('external_repairs')
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_orders_updated_at'))
        batch_op.drop_index(batch_op.f('ix_repair_orders_status'))
        batch_op.drop_index(batch_op.f('ix_repair_orders_received_at'))
        batch_op.drop_index(batch_op.f('ix_repair_orders_owner_id'))
        batch_op.drop_index(batch_op.f('ix_repair_orders_due_at'))
        batch_op.drop_index(batch_op.f('ix_repair_orders_device_id'))
        batch_op.drop_index('ix_repair_orders_device_delivered')
        batch_op.drop_index(batch_op.f('ix_repair_orders_customer_id'))
        batch_op.drop_index(batch_op.f('ix_repair_orders_created_at'))
        batch_op.drop_index('ix_repair_orders_assignee_status')

    op.drop_table('repair_orders')
