from typing import Any

from fastapi import APIRouter

from app.auth.dependencies import CurrentUser
from app.domain.workflow import all_workflows, describe

router = APIRouter(prefix="/meta", tags=["meta"])


@router.get("/workflows")
async def list_workflows(_: CurrentUser) -> dict[str, Any]:
    """Every workflow's states and actions with roles and en / zh-CN labels, for building UIs."""
    return {"workflows": [describe(w) for w in all_workflows()]}
