import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.migrate import head_revision
from app.db.session import Timeouts, unpooled

router = APIRouter(tags=["health"])

# A probe answers within this, however busy the request pool is (a load balancer's check
# typically gives up after 2-5 s and would otherwise take a slow answer for a dead process).
READY_TIMEOUT_SECONDS = 1.5


def _probe_engine(request: Request) -> AsyncEngine:
    """An engine of its own without a pool: the readiness check never queues behind requests
    for a pooled connection, and opens (and closes) one short-lived connection per probe."""
    state = request.app.state
    probe: AsyncEngine | None = getattr(state, "probe_engine", None)
    if probe is None:
        limit = Timeouts(connect=READY_TIMEOUT_SECONDS, statement=READY_TIMEOUT_SECONDS)
        probe = state.probe_engine = unpooled(state.engine, limit)
    return probe


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the latest migration."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            async with _probe_engine(request).connect() as conn:
                query = text("SELECT version_num FROM alembic_version")
                current = (await conn.execute(query)).scalar()
    except Exception as exc:  # any failure means "not ready", never a 500
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "detail": type(exc).__name__},
            status_code=503,
            headers={"Retry-After": "2"},
        )
    head = head_revision()
    if current != head:
        return JSONResponse(
            {"status": "unavailable", "database": "ok", "migration": current, "head": head},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok", "migration": current})


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus metrics in the text exposition format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
