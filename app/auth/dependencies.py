"""Who is calling: the bearer token is checked, then the user and the login are checked against
the database on every request, so a demoted, disabled or logged-out user loses access at once.

The check is answered from the process's LOGINS cache when it can be trusted
(app/db/reference_cache.py): any change to `users` or `token_families`, anywhere, drops it —
in this process the moment the changing transaction commits, in the others when its notice
arrives (milliseconds)."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import event, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.base import instance_state
from sqlmodel import col

from app.auth.tokens import AccessClaims, InvalidToken, decode_access_token
from app.db.models import Role, TokenFamily, User
from app.db.reference_cache import LOGINS, cache_for, cache_models
from app.domain.errors import Forbidden, NotAuthenticated
from app.http.deps import Session

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
cache_models(LOGINS, User, TokenFamily)
_USER_COLUMNS = tuple(attr.key for attr in inspect(User).column_attrs)


async def current_user(
    request: Request, session: Session, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    if not token:
        raise NotAuthenticated()
    try:
        claims = decode_access_token(request.app.state.settings, token)
    except InvalidToken:
        raise NotAuthenticated("Invalid or expired access token") from None
    user = await load_login(session, claims)
    if user is None:
        raise NotAuthenticated("This login is no longer valid; log in again")
    request.state.user_id = user.id
    request.state.token_family_id = claims.family_id
    return user


async def load_login(session: AsyncSession, claims: AccessClaims) -> User | None:
    """The token's user if it is active and, for a token naming a login (`sid`), that login
    exists, is this user's and has not been revoked; else None."""
    cache = cache_for(session, LOGINS)
    key = ("login", claims.user_id, claims.family_id)
    row = cache.get(key) if cache else None
    if row is not None:
        return _cached_user(row)
    generation = cache.generation if cache else 0
    user = await _read_login(session, claims)
    if user is not None and cache:
        cache.put(key, {name: getattr(user, name) for name in _USER_COLUMNS}, generation)
    return user


def _cached_user(row: dict[str, object]) -> User:
    """The cached user as a detached object, as if just loaded and then expunged.

    Not added to the session: adding it (identity map, cascades) was 3 % of a GET's CPU, and
    the caller is only read. A request that changes its own user loads it (`session.get`);
    changing this object instead raises, so such a write can never be lost silently."""
    user = inspect(User).class_manager.new_instance()
    user.__dict__.update(row)
    make_transient_to_detached(user)
    instance_state(user).info[_FROM_CACHE] = True
    return user


_FROM_CACHE = "aftercare.login_cache"


def _refuse_writes(target: User, value: object, old: object, initiator: object) -> object:
    if instance_state(target).info.get(_FROM_CACHE):
        raise RuntimeError(
            "The caller's User comes from the login cache and is not in the session; "
            "load it with session.get(User, user.id) to change it"
        )
    return value


for _column in inspect(User).column_attrs:
    event.listen(_column.class_attribute, "set", _refuse_writes, retval=True)


async def _read_login(session: AsyncSession, claims: AccessClaims) -> User | None:
    stmt = select(User).where(col(User.id) == claims.user_id, col(User.active).is_(True))
    if claims.family_id is not None:
        stmt = stmt.join(
            TokenFamily,
            (col(TokenFamily.id) == claims.family_id)
            & (col(TokenFamily.user_id) == col(User.id))
            & col(TokenFamily.revoked_at).is_(None),
        )
    return (await session.scalars(stmt)).one_or_none()


def token_family(request: Request) -> uuid.UUID | None:
    return getattr(request.state, "token_family_id", None)


def no_store(response: Response) -> None:
    """Keep responses that carry tokens or secrets out of every cache (RFC 6749 §5.1)."""
    response.headers["Cache-Control"] = "no-store"


def require_role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    allowed = frozenset(roles)

    async def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in allowed:
            raise Forbidden(f"This needs one of the roles: {', '.join(sorted(allowed))}")
        return user

    return dependency


CurrentUser = Annotated[User, Depends(current_user)]
Staff = Annotated[User, Depends(require_role(Role.engineer, Role.clerk, Role.supervisor))]
Office = Annotated[User, Depends(require_role(Role.clerk, Role.supervisor))]
Supervisor = Annotated[User, Depends(require_role(Role.supervisor))]
