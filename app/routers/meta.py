from fastapi import APIRouter

from app.auth.dependencies import CurrentUser
from app.domain.meta import WorkflowCatalogue, describe_everything
from app.http.language import RequestLanguage

router = APIRouter(prefix="/meta", tags=["meta"])


@router.get("/workflows")
async def list_workflows(_: CurrentUser, language: RequestLanguage) -> WorkflowCatalogue:
    """Every workflow's states and actions, and every enum's values, with en / zh-CN labels."""
    return describe_everything(language)
