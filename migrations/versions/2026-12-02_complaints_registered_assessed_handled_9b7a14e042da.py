"""Complaints (客户投诉处理单, SPEC §4.5): registered, assessed, handled, reported back, closed.

`visit_id` has no foreign key yet: the visits table arrives in another branch, which adds it.

Revision ID: 9b7a14e042da
Revises: b41c7e9d2a10
Create Date: 2026-12-02 17:14:14.585256
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql
import app.db.types

revision: str = '9b7a14e042da'
down_revision: str | None = 'b41c7e9d2a10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('complaints',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('service_order_id', sa.Uuid(), nullable=True),
    sa.Column('repair_order_id', sa.Uuid(), nullable=True),
    sa.Column('visit_id', sa.Uuid(), nullable=True),
    sa.Column('complainant', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('received_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('assessment', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('handler_id', sa.Uuid(), nullable=True),
    sa.Column('cause_analysis', sa.Text(), nullable=True),
    sa.Column('actions_taken', sa.Text(), nullable=True),
    sa.Column('resolved_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('feedback', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('closed_at', app.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_complaints_customer_id_customers')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_complaints_handler_id_users')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_complaints_owner_id_users')),
    sa.ForeignKeyConstraint(['repair_order_id'], ['repair_orders.id'], name=op.f('fk_complaints_repair_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['service_order_id'], ['service_orders.id'], name=op.f('fk_complaints_service_order_id_service_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('number', name=op.f('uq_complaints_number'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_accepted'), ['accepted'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_complaints_customer_created', ['customer_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_handler_id'), ['handler_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_repair_order_id'), ['repair_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_service_order_id'), ['service_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_status'), ['status'], unique=False)
        batch_op.create_index('ix_complaints_status_created', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_visit_id'), ['visit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_visit_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_updated_at'))
        batch_op.drop_index('ix_complaints_status_created')
        batch_op.drop_index(batch_op.f('ix_complaints_status'))
        batch_op.drop_index(batch_op.f('ix_complaints_severity'))
        batch_op.drop_index(batch_op.f('ix_complaints_service_order_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_repair_order_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_received_at'))
        batch_op.drop_index(batch_op.f('ix_complaints_owner_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_handler_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_customer_id'))
        batch_op.drop_index('ix_complaints_customer_created')
        batch_op.drop_index(batch_op.f('ix_complaints_created_at'))
        batch_op.drop_index(batch_op.f('ix_complaints_accepted'))

    op.drop_table('complaints')
