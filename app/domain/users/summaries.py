"""Display summaries of the users a read refers to, loaded in one query per read.

A summary is deliberately not scoped like `/users/{id}`: a customer may not list or read staff,
but may know the name of the engineer coming on site. It carries the id, the display name and,
for staff, the role — never an email or anything else about the account.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import Role, User
from app.domain.users.schemas import UserSummary

People = dict[uuid.UUID, UserSummary]


async def load_people(session: AsyncSession, ids: Iterable[uuid.UUID | None]) -> People:
    """Summaries of the given users, by id (one query, none when there is nobody to name)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(User.id), col(User.name), col(User.role)).where(col(User.id).in_(wanted))
    )
    return {
        user_id: UserSummary(id=user_id, name=name, role=None if role == Role.customer else role)
        for user_id, name, role in rows.all()
    }
