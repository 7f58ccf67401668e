import uuid

from fastapi import Response, status

from app.auth.dependencies import Office, Supervisor
from app.domain.sla_policies import service
from app.domain.sla_policies.schemas import (
    CalendarBody,
    CalendarRead,
    SlaPolicyCreate,
    SlaPolicyRead,
    SlaPolicyUpdate,
)
from app.http.deps import JsonRouter, RequiredIfMatch, Session, set_etag

router = JsonRouter(tags=["sla"])


@router.get("/sla-policies")
async def list_sla_policies(session: Session, user: Office) -> list[SlaPolicyRead]:
    """Every SLA policy: response and resolve allowances per kind and priority."""
    return [service.to_read(p, user) for p in await service.list_policies(session)]


@router.post("/sla-policies", status_code=status.HTTP_201_CREATED)
async def create_sla_policy(
    session: Session, user: Supervisor, body: SlaPolicyCreate, response: Response
) -> SlaPolicyRead:
    """Add a policy for a kind and priority that has none (supervisors)."""
    policy = await service.create_policy(session, user, body)
    set_etag(response, policy)
    return service.to_read(policy, user)


@router.patch("/sla-policies/{policy_id}")
async def update_sla_policy(
    session: Session,
    user: Supervisor,
    policy_id: uuid.UUID,
    body: SlaPolicyUpdate,
    version: RequiredIfMatch,
    response: Response,
) -> SlaPolicyRead:
    """Change allowances (supervisors); open orders' due times are recomputed at once."""
    policy, recomputed = await service.update_policy(session, user, policy_id, body, version)
    set_etag(response, policy)
    response.headers["X-Orders-Recomputed"] = str(recomputed)
    return service.to_read(policy, user)


@router.get("/business-calendar")
async def get_business_calendar(session: Session, _: Office, response: Response) -> CalendarRead:
    """The department's work hours, time zone, holidays and make-up working days."""
    calendar = await service.read_calendar(session)
    set_etag(response, calendar)
    return calendar


@router.put("/business-calendar")
async def replace_business_calendar(
    session: Session,
    user: Supervisor,
    body: CalendarBody,
    version: RequiredIfMatch,
    response: Response,
) -> CalendarRead:
    """Replace the business calendar (supervisors; If-Match "0" before the first change).
    Open orders' due times are recomputed."""
    calendar = await service.replace_calendar(session, user, body, version)
    set_etag(response, calendar)
    return calendar
