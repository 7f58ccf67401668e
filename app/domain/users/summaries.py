"""Display summaries of the users a read refers to, loaded in one query per read.

A summary is deliberately not scoped like `/users/{id}`: a customer may not list or read staff,
but may know the name of the engineer coming on site. It carries the id, the display name and,
for staff, the role — never an email or anything else about the account.

Summaries come from the process's LOGINS cache when it can be trusted: any change to `users`
drops it (app/db/reference_cache.py), so a renamed engineer is named anew at once.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import Role, User
from app.db.reference_cache import LOGINS, cache_for
from app.domain.users.schemas import UserSummary

People = dict[uuid.UUID, UserSummary]


async def load_people(session: AsyncSession, ids: Iterable[uuid.UUID | None]) -> People:
    """Summaries of the given users, by id (one query, none when there is nobody to name)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    cache = cache_for(session, LOGINS)
    found: People = {}
    if cache:
        for user_id in wanted:
            known = cache.get(("person", user_id))
            if known is not None:
                found[user_id] = known
        wanted -= found.keys()
        if not wanted:
            return found
    generation = cache.generation if cache else 0
    rows = await session.execute(
        select(col(User.id), col(User.name), col(User.role)).where(col(User.id).in_(wanted))
    )
    for user_id, name, role in rows.all():
        summary = UserSummary(id=user_id, name=name, role=None if role == Role.customer else role)
        found[user_id] = summary
        if cache:
            cache.put(("person", user_id), summary, generation)
    return found
