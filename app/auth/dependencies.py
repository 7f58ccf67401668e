"""Who is calling: the bearer token is checked, then the user is re-read from the database on
every request, so a demoted, disabled or logged-out user loses access at once."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.tokens import AccessClaims, InvalidToken, decode_access_token
from app.db.models import Role, TokenFamily, User
from app.domain.errors import Forbidden, NotAuthenticated
from app.http.deps import Session

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


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
