"""service_orders.has_pauses and has_case: whether an order ever had an SLA pause or a difficult
case, so reads of the orders that never did (most) skip those queries (issue 9). Backfilled
from sla_pauses and cases.

Revision ID: d7e3f1a2b4c5
Revises: c4a5e1d2b3f6
Create Date: 2026-12-02 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7e3f1a2b4c5"
down_revision: str | None = "c4a5e1d2b3f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_pauses", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("has_case", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    op.execute(
        "UPDATE service_orders SET has_pauses = true WHERE EXISTS "
        "(SELECT 1 FROM sla_pauses p WHERE p.order_id = service_orders.id)"
    )
    op.execute(
        "UPDATE service_orders SET has_case = true WHERE EXISTS (SELECT 1 FROM cases c "
        "WHERE c.source_type = 'service_order' AND c.source_id = service_orders.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("service_orders", schema=None) as batch_op:
        batch_op.drop_column("has_case")
        batch_op.drop_column("has_pauses")
