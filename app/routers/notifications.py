import uuid

from app.auth.dependencies import CurrentUser
from app.domain.notifications import service
from app.domain.notifications.schemas import MarkedRead, NotificationRead
from app.domain.schemas import Page
from app.http.deps import JsonRouter, Paging, Session
from app.http.language import RequestLanguage

router = JsonRouter(prefix="/notifications", tags=["notifications"])


@router.get("")
async def list_notifications(
    session: Session,
    user: CurrentUser,
    page: Paging,
    language: RequestLanguage,
    unread: bool | None = None,
) -> Page[NotificationRead]:
    """Your notifications, oldest first (sort=-created_at for newest first)."""
    result = await service.list_notifications(session, user, unread, page)
    return Page(
        items=[service.to_read(n, language) for n in result.items],
        next_cursor=result.next_cursor,
    )


@router.post("/{notification_id}/read")
async def mark_notification_read(
    session: Session, user: CurrentUser, language: RequestLanguage, notification_id: uuid.UUID
) -> NotificationRead:
    """Mark one of your notifications read."""
    return service.to_read(await service.mark_read(session, user, notification_id), language)


@router.post("/read-all")
async def mark_all_notifications_read(session: Session, user: CurrentUser) -> MarkedRead:
    """Mark all your notifications read."""
    return MarkedRead(marked=await service.mark_all_read(session, user))
