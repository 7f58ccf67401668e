from fastapi import APIRouter

from app.auth.dependencies import Staff
from app.domain.service_orders.schemas import WorkList
from app.domain.service_orders.work import my_work
from app.http.deps import Session

router = APIRouter(prefix="/users/me", tags=["work"])


@router.get("/work")
async def get_my_work(session: Session, user: Staff) -> WorkList:
    """Your open orders: today's appointments first, then by appointment and due time."""
    return await my_work(session, user)
