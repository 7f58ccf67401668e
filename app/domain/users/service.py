import uuid
from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.passwords import hash_password, new_secret, verify_password
from app.db.models import Customer, Role, User
from app.db.models.users import default_authority
from app.db.repositories.scoping import select_visible
from app.domain.auth.service import revoke_all_sessions
from app.domain.common import (
    check_version,
    ensure_unique,
    get_for_field,
    get_or_404,
    require_version,
)
from app.domain.errors import Conflict, ValidationFailed
from app.domain.events import add_created, record_event, save_changes
from app.domain.filters import ListQuery, apply_filters
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.users.schemas import (
    ClientSecretRead,
    PasswordChange,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)

SORTS = {
    "created_at": col(User.created_at),
    "updated_at": col(User.updated_at),
    "name": col(User.name),
    "email": col(User.email),
}


class UserQuery(ListQuery):
    search_columns = ("name", "email")

    q: str | None = Field(default=None, max_length=200, description="name or email")
    role: Role | None = None
    active: bool | None = None
    customer_id: uuid.UUID | None = None


def to_read(user: User, viewer: User | None) -> UserRead:
    actions: list[str] = []
    if viewer is not None and viewer.role == Role.supervisor:
        actions.append("update")
        if user.service_account:
            actions.append("rotate_client_secret")
    return UserRead.model_validate(user).model_copy(update={"allowed_actions": actions})


async def _check_customer_link(
    session: AsyncSession, actor: User | None, role: Role, customer_id: uuid.UUID | None
) -> None:
    if role == Role.customer:
        if customer_id is None:
            raise ValidationFailed([("customer_id", "required for a customer user")])
        await get_for_field(session, actor, Customer, customer_id, "customer_id", "Customer")
    elif customer_id is not None:
        raise ValidationFailed([("customer_id", "only customer users belong to a customer")])


async def create_user(session: AsyncSession, actor: User | None, data: UserCreate) -> UserCreated:
    """Create a user; `actor` None is the operator's command line (recorded as the system)."""
    await _check_customer_link(session, actor, data.role, data.customer_id)
    await ensure_unique(session, User, {"email": data.email})
    secret = new_secret() if data.service_account else None
    user = User(
        email=data.email,
        name=data.name,
        role=data.role,
        customer_id=data.customer_id,
        service_account=data.service_account,
        authority_level=data.authority_level or default_authority(data.role),
        password_hash=await hash_password(data.password) if data.password else None,
        client_secret_hash=await hash_password(secret) if secret else None,
    )
    await add_created(
        session,
        actor,
        User.object_type,
        user,
        data.model_dump(exclude={"password"}, exclude_none=True),
        public=False,
    )
    read = to_read(user, actor)
    return UserCreated(**read.model_dump(), client_secret=secret)


async def get_user(session: AsyncSession, viewer: User, user_id: uuid.UUID) -> User:
    return await get_or_404(session, viewer, User, user_id, "User")


async def list_users(
    session: AsyncSession, viewer: User, filters: UserQuery, page: PageParams
) -> PageResult[User]:
    stmt = apply_filters(select_visible(viewer, User), User, filters)
    return await paginate(session, stmt, User, page, SORTS)


async def update_user(
    session: AsyncSession,
    actor: User,
    user_id: uuid.UUID,
    data: UserUpdate,
    expected_version: int | None,
) -> User:
    user = await get_user(session, actor, user_id)
    require_version(user, expected_version)
    values: dict[str, Any] = data.model_dump(exclude_unset=True)
    if user.id == actor.id and (
        values.get("role", user.role) != user.role or values.get("active") is False
    ):
        raise Conflict("Supervisors cannot demote or deactivate themselves; ask another one")
    role = values.get("role", user.role)
    if role != user.role and "authority_level" not in values:
        values["authority_level"] = default_authority(role)  # a new role starts at its level
    if role != Role.customer and "customer_id" not in values:
        values["customer_id"] = None
    await _check_customer_link(session, actor, role, values.get("customer_id", user.customer_id))
    changes = await save_changes(session, actor, User.object_type, user, values, public=False)
    if changes.get("active") == [True, False]:
        # Disabling ends every login for good: reactivating later must not revive a session
        # (say, on the stolen laptop that was the reason to disable the account).
        await revoke_all_sessions(session, user.id)
    return user


async def rotate_client_secret(
    session: AsyncSession, actor: User, user_id: uuid.UUID, expected_version: int | None
) -> ClientSecretRead:
    user = await get_user(session, actor, user_id)
    check_version(user, expected_version)
    if not user.service_account:
        raise Conflict("Only service accounts have a client secret")
    secret = new_secret()
    user.client_secret_hash = await hash_password(secret)
    await session.flush()
    record_event(
        session,
        actor=actor,
        object_type=User.object_type,
        obj=user,
        action="client_secret_rotated",
        public=False,
    )
    return ClientSecretRead(client_id=user.id, client_secret=secret)


async def change_own_password(
    session: AsyncSession, user: User, data: PasswordChange, current_session: uuid.UUID | None
) -> None:
    """Change the caller's password and end every other login session it had (a thief holding
    one loses it); the session that made the change goes on."""
    user = await session.get(User, user.id) or user  # the caller may come from the login cache
    if user.service_account or not await verify_password(data.current_password, user.password_hash):
        raise ValidationFailed([("current_password", "is incorrect")])
    user.password_hash = await hash_password(data.new_password)
    await revoke_all_sessions(session, user.id, keep=current_session)
    await session.flush()
    record_event(
        session,
        actor=user,
        object_type=User.object_type,
        obj=user,
        action="password_changed",
        public=False,
    )
