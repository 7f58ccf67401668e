"""external_repairs: the due instants already announced by the chase watcher

Revision ID: 3c1e7d5a9b20
Revises: 65bc08ed580c
Create Date: 2026-12-02 17:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = '3c1e7d5a9b20'
down_revision: str | None = '65bc08ed580c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('external_repairs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_notified_for', app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overdue_notified_for', app.db.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('external_repairs', schema=None) as batch_op:
        batch_op.drop_column('overdue_notified_for')
        batch_op.drop_column('follow_up_notified_for')
