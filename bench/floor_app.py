"""The floor of this stack: bare FastAPI + asyncpg on Aftercare's own tables, one query per
request, no authentication, no middleware. `bench/run.py` serves it next to Aftercare.

    DATABASE_URL=postgresql://127.0.0.1:PORT/aftercare uvicorn bench.floor_app:app --http h11

It answers the same shapes of work as the endpoints measured (a row by id, a customer's page of
50, an engineer's 25 open orders, an insert, an update), so the ratio Aftercare / floor is the
price of everything Aftercare adds: authentication, scoping, SLA, the event log, idempotency.

The page size is a bound parameter, as in Aftercare's statements. With `LIMIT 50` written in,
PostgreSQL switched each connection's prepared list statement to its generic plan after five
runs (cheaper on paper for an average customer), which filters the created_at index: 17 ms per
page instead of 0.09 ms once the bench had seeded 40,000 orders, so the floor's list was
PostgreSQL-bound and slower than Aftercare's in 9-pair runs (docs/decisions.md).
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from fastapi import FastAPI, Request

_COLUMNS = (
    "id, number, kind, channel, customer_id, device_id, subject, description, priority, status, "
    "owner_id, assignee_id, responded_at, due_at, response_due_at, sla_state, version, "
    "created_at, updated_at"
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    app.state.pool = await asyncpg.create_pool(url, min_size=5, max_size=15)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/orders/{order_id}")
async def get_order(order_id: uuid.UUID, request: Request) -> dict[str, Any] | None:
    row = await request.app.state.pool.fetchrow(
        f"SELECT {_COLUMNS} FROM service_orders WHERE id = $1", order_id
    )
    return dict(row) if row else None


@app.get("/customers/{customer_id}/orders")
async def list_customer_orders(customer_id: uuid.UUID, request: Request) -> dict[str, Any]:
    rows = await request.app.state.pool.fetch(
        f"SELECT {_COLUMNS} FROM service_orders WHERE customer_id = $1 "
        "ORDER BY created_at, id LIMIT $2",
        customer_id,
        50,
    )
    return {"items": [dict(r) for r in rows], "next_cursor": None}


@app.get("/engineers/{user_id}/work")
async def engineer_work(user_id: uuid.UUID, request: Request) -> dict[str, Any]:
    rows = await request.app.state.pool.fetch(
        f"SELECT {_COLUMNS} FROM service_orders WHERE assignee_id = $1 "
        "AND status IN ('assigned', 'in_progress', 'on_hold') ORDER BY created_at, id LIMIT $2",
        user_id,
        25,
    )
    return {"items": [dict(r) for r in rows]}


@app.post("/orders", status_code=201)
async def create_order(body: dict[str, Any], request: Request) -> dict[str, Any]:
    now = datetime.now(UTC)
    row = await request.app.state.pool.fetchrow(
        f"INSERT INTO service_orders (id, number, kind, channel, customer_id, subject, priority, "
        "status, sla_state, version, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, 'normal', 'new', 'ok', 1, $7, $7) "
        f"RETURNING {_COLUMNS}",
        uuid.uuid4(),
        "FL-" + uuid.uuid4().hex[:20],
        body["kind"],
        body["channel"],
        uuid.UUID(body["customer_id"]),
        body["subject"],
        now,
    )
    return dict(row)


@app.post("/orders/{order_id}/start")
async def start_order(order_id: uuid.UUID, request: Request) -> dict[str, Any] | None:
    row = await request.app.state.pool.fetchrow(
        "UPDATE service_orders SET status = 'in_progress', responded_at = $2, updated_at = $2, "
        f"version = version + 1 WHERE id = $1 RETURNING {_COLUMNS}",
        order_id,
        datetime.now(UTC),
    )
    return dict(row) if row else None
