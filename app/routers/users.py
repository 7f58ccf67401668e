import uuid
from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

from app.auth.dependencies import CurrentUser, Office, Supervisor, no_store, token_family
from app.domain.schemas import Page
from app.domain.users import service
from app.domain.users.schemas import (
    ClientSecretRead,
    PasswordChange,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)
from app.http.deps import IfMatch, JsonRouter, Paging, RequiredIfMatch, Session, set_etag

router = JsonRouter(prefix="/users", tags=["users"])


@router.get("/me")
async def read_me(user: CurrentUser, response: Response) -> UserRead:
    """Return the calling user."""
    set_etag(response, user)
    return service.to_read(user, user)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_my_password(
    request: Request, session: Session, user: CurrentUser, body: PasswordChange
) -> None:
    """Change your own password; every other login session of yours ends."""
    await service.change_own_password(session, user, body, token_family(request))


@router.get("")
async def list_users(
    session: Session,
    user: Office,
    page: Paging,
    filters: Annotated[service.UserQuery, Query()],
) -> Page[UserRead]:
    """List users (clerks need it to pick engineers)."""
    result = await service.list_users(session, user, filters, page)
    return Page(
        items=[service.to_read(u, user) for u in result.items], next_cursor=result.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Depends(no_store)])
async def create_user(
    session: Session, user: Supervisor, body: UserCreate, response: Response
) -> UserCreated:
    """Create a user or a service account (supervisors only)."""
    created = await service.create_user(session, user, body)
    response.headers["ETag"] = f'"{created.version}"'
    return created


@router.get("/{user_id}")
async def get_user(
    session: Session, user: Office, user_id: uuid.UUID, response: Response
) -> UserRead:
    """Return one user."""
    found = await service.get_user(session, user, user_id)
    set_etag(response, found)
    return service.to_read(found, user)


@router.patch("/{user_id}")
async def update_user(
    session: Session,
    user: Supervisor,
    user_id: uuid.UUID,
    body: UserUpdate,
    version: RequiredIfMatch,
    response: Response,
) -> UserRead:
    """Change a user's name, role or active flag (supervisors only; If-Match required)."""
    updated = await service.update_user(session, user, user_id, body, version)
    set_etag(response, updated)
    return service.to_read(updated, user)


@router.post("/{user_id}/client-secret", dependencies=[Depends(no_store)])
async def rotate_client_secret(
    session: Session, user: Supervisor, user_id: uuid.UUID, version: IfMatch
) -> ClientSecretRead:
    """Issue a new client secret for a service account; the old one stops working."""
    return await service.rotate_client_secret(session, user, user_id, version)
