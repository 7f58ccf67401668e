"""In-app notifications: SLA warnings to supervisors, completion notices to customers.

A notification is stored with its kind's template params and its text is made when it is read,
in the reader's language (app.domain.i18n.MESSAGES); the stored title/body are the English text,
shown for a kind without a template.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import Notification, Role, User
from app.db.repositories.scoping import select_visible
from app.db.types import utcnow
from app.domain.common import get_or_404
from app.domain.i18n import Language, render_message
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.schemas import NotificationRead
from app.domain.pagination import PageParams, PageResult, paginate

SORTS = {"created_at": col(Notification.created_at), "updated_at": col(Notification.updated_at)}


@dataclass(frozen=True)
class Message:
    """A notice of `kind`, with the params its template (app.domain.i18n.MESSAGES) names."""

    kind: NotificationKind
    params: Mapping[str, str] = field(default_factory=dict)
    object_type: str | None = None
    object_id: uuid.UUID | None = None


def notify(session: AsyncSession, user_ids: Iterable[uuid.UUID], message: Message) -> None:
    rendered = render_message(message.kind, message.params, Language.en)
    if rendered is None:  # a programming error: the template and its params disagree
        raise ValueError(f"notification '{message.kind}' lacks params for its template")
    title, body = rendered
    session.add_all(
        [
            Notification(
                user_id=user_id,
                kind=message.kind,
                title=title,
                body=body,
                params=dict(message.params),
                object_type=message.object_type,
                object_id=message.object_id,
            )
            for user_id in user_ids
        ]
    )


def to_read(notification: Notification, language: Language) -> NotificationRead:
    """The notification with its text in `language` (the stored text if it has no template)."""
    rendered = render_message(notification.kind, notification.params or {}, language)
    title, body = rendered or (notification.title, notification.body)
    return NotificationRead.model_validate(notification).model_copy(
        update={"title": title, "body": body}
    )


async def supervisor_ids(session: AsyncSession) -> list[uuid.UUID]:
    ids = await session.scalars(
        select(col(User.id)).where(col(User.role) == Role.supervisor, col(User.active).is_(True))
    )
    return list(ids.all())


async def notify_customer_users(
    session: AsyncSession, customer_id: uuid.UUID, message: Message
) -> None:
    ids = await session.scalars(
        select(col(User.id)).where(
            col(User.customer_id) == customer_id,
            col(User.role) == Role.customer,
            col(User.active).is_(True),
        )
    )
    notify(session, ids.all(), message)


async def list_notifications(
    session: AsyncSession, user: User, unread: bool | None, page: PageParams
) -> PageResult[Notification]:
    stmt = select_visible(user, Notification)
    if unread is not None:
        stmt = stmt.where(
            col(Notification.read_at).is_(None) if unread else col(Notification.read_at).isnot(None)
        )
    return await paginate(session, stmt, Notification, page, SORTS)


async def mark_read(session: AsyncSession, user: User, notification_id: uuid.UUID) -> Notification:
    found = await get_or_404(session, user, Notification, notification_id, "Notification")
    if found.read_at is None:
        found.read_at = found.updated_at = utcnow()
    return found


async def mark_all_read(session: AsyncSession, user: User) -> int:
    now = utcnow()
    result = await session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
        .values(read_at=now, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
