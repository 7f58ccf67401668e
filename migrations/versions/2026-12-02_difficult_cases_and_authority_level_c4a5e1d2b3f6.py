"""difficult cases; users.authority_level (engineers and clerks 1, supervisors 2)

Revision ID: c4a5e1d2b3f6
Revises: 3c1e7d5a9b20
Create Date: 2026-12-02 18:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db.types

revision: str = 'c4a5e1d2b3f6'
down_revision: str | None = '3c1e7d5a9b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('authority_level', sa.Integer(), server_default=sa.text('1'), nullable=False)
        )
    # The default by role: department heads are the next level up from their staff.
    op.execute("UPDATE users SET authority_level = 2 WHERE role = 'supervisor'")

    op.create_table(
        'cases',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=30), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('source_type', sa.String(length=40), nullable=True),
        sa.Column('source_id', sa.Uuid(), nullable=True),
        sa.Column('criteria', JSON, nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('proposed_by_id', sa.Uuid(), nullable=True),
        sa.Column('handler_id', sa.Uuid(), nullable=True),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('escalations', JSON, nullable=False),
        sa.Column('solution', sa.Text(), nullable=True),
        sa.Column('final_record', sa.Text(), nullable=True),
        sa.Column('reject_reason', sa.Text(), nullable=True),
        sa.Column('finding_key', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_cases_handler_id_users')),
        sa.ForeignKeyConstraint(
            ['proposed_by_id'], ['users.id'], name=op.f('fk_cases_proposed_by_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
        sa.UniqueConstraint('finding_key', name=op.f('uq_cases_finding_key')),
        sa.UniqueConstraint('number', name=op.f('uq_cases_number')),
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_handler_status', ['handler_id', 'status'], unique=False)
        batch_op.create_index('ix_cases_source', ['source_type', 'source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_cases_proposed_by_id'), ['proposed_by_id'], unique=False
        )


def downgrade() -> None:
    op.drop_table('cases')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('authority_level')
