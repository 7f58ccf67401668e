"""The participants migration fills the table from the event log: everyone on the staff who has
an event on a workflow object has worked on it, as the engineer's scope read it before."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from app.db.models import metadata
from app.db.session import create_engine
from tests.db.test_constraint_names import _upgrade, scratch_url  # noqa: F401  (a fixture)

BEFORE = "3598b7c0c7d0"  # the revision before participants


async def test_the_migration_makes_a_participant_of_every_staff_actor(scratch_url):  # noqa: F811
    await asyncio.to_thread(_upgrade, scratch_url, BEFORE)
    tables, now = metadata.tables, datetime.now(UTC)
    common = {"created_at": now, "updated_at": now, "version": 1}
    customer, order, created = uuid.uuid4(), uuid.uuid4(), now - timedelta(days=3)
    people = {role: uuid.uuid4() for role in ("engineer", "clerk", "customer")}
    engine = create_engine(scratch_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(tables["customers"]).values(id=customer, code="C1", name="C", **common)
            )
            for role, user_id in people.items():
                await conn.execute(
                    insert(tables["users"]).values(
                        id=user_id,
                        email=f"{role}@example.com",
                        name=role,
                        role=role,
                        customer_id=customer if role == "customer" else None,
                        active=True,
                        service_account=False,
                        authority_level=1,
                        **common,
                    )
                )
            await conn.execute(
                insert(tables["service_orders"]).values(
                    id=order,
                    number="SO-2026-000001",
                    kind="remote",
                    channel="portal",
                    customer_id=customer,
                    subject="S",
                    priority="normal",
                    status="in_progress",
                    sla_state="ok",
                    **{**common, "created_at": created},
                )
            )
            for actor, action in (
                (people["customer"], "created"),
                (people["clerk"], "assign"),
                (people["engineer"], "start"),
                (people["engineer"], "hold"),
                (None, "sla_warning"),
            ):
                await conn.execute(
                    insert(tables["events"]).values(
                        occurred_at=now,
                        actor_id=actor,
                        object_type="service_order",
                        object_id=order,
                        action=action,
                        changes={},
                        public=True,
                    )
                )

        await asyncio.to_thread(_upgrade, scratch_url, "head")

        async with engine.connect() as conn:
            rows = (
                await conn.execute(text("SELECT user_id, object_type, object_id FROM participants"))
            ).all()
        found = {(uuid.UUID(str(u)), t, uuid.UUID(str(o))) for u, t, o in rows}
        assert found == {
            (people["clerk"], "service_order", order),
            (people["engineer"], "service_order", order),
        }
        assert len(rows) == 2
    finally:
        await engine.dispose()
