import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.db.models import Role
from app.domain.schemas import Email, Name, PatchModel, ReadModel, WriteModel

Password = str


def _authority_level() -> Any:
    """The optional `authority_level` of a create or an update (one definition for both)."""
    return Field(
        default=None,
        ge=1,
        le=100,
        description="who a difficult case may be escalated to (higher is more); default by role: "
        "engineers and clerks 1, supervisors 2",
    )


class UserCreate(WriteModel):
    email: Email
    name: Name
    role: Role
    password: str | None = Field(
        default=None,
        min_length=MIN_PASSWORD_LENGTH,
        max_length=200,
        description="required for people; omitted for service accounts",
    )
    customer_id: uuid.UUID | None = Field(default=None, description="required for role customer")
    service_account: bool = Field(
        default=False,
        description="an integration: logs in with the client-credentials grant; the secret is "
        "returned once in the response",
    )
    authority_level: int | None = _authority_level()

    @model_validator(mode="after")
    def _credentials(self) -> "UserCreate":
        if self.service_account and self.password is not None:
            raise ValueError("a service account has a generated client secret, not a password")
        if not self.service_account and self.password is None:
            raise ValueError("password is required")
        return self


class UserUpdate(PatchModel):
    not_nullable = frozenset({"name", "role", "active", "authority_level"})

    name: Name | None = None
    role: Role | None = None
    active: bool | None = None
    customer_id: uuid.UUID | None = None
    authority_level: int | None = _authority_level()


class PasswordChange(WriteModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)


class UserRead(ReadModel):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    customer_id: uuid.UUID | None
    active: bool
    service_account: bool
    authority_level: int = Field(description="escalation goes to a higher level")
    last_login_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str] = []


class ClientSecretRead(ReadModel):
    client_id: uuid.UUID
    client_secret: str = Field(description="shown once; store it in the integration's vault")


class UserCreated(UserRead):
    client_secret: str | None = Field(default=None, description="service accounts only; shown once")


class UserSummary(ReadModel):
    """Who a user reference names, without a second call (SPEC §3 "People by name")."""

    id: uuid.UUID
    name: str
    role: Role | None = Field(
        default=None, description="for staff (engineer, clerk, supervisor); null for customers"
    )
