import uuid
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import String, text
from sqlmodel import Field

from app.db.models.base import Entity
from app.db.types import UTCDateTime


class Role(StrEnum):
    customer = "customer"
    engineer = "engineer"
    clerk = "clerk"
    supervisor = "supervisor"


STAFF_ROLES = frozenset({Role.engineer, Role.clerk, Role.supervisor})
OFFICE_ROLES = frozenset({Role.clerk, Role.supervisor})


class User(Entity, table=True):
    __tablename__ = "users"
    object_type: ClassVar[str] = "user"

    email: str = Field(sa_type=String(254), unique=True, index=True)
    name: str = Field(sa_type=String(200))
    role: Role = Field(sa_type=String(20))
    customer_id: uuid.UUID | None = Field(default=None, foreign_key="customers.id", index=True)
    active: bool = True
    password_hash: str | None = Field(default=None, sa_type=String(255))
    # Integrations authenticate with the client-credentials grant, never a human password.
    service_account: bool = False
    client_secret_hash: str | None = Field(default=None, sa_type=String(255))
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who may take a difficult case over from whom (escalation goes to a higher level): staff
    # start at 1, supervisors at 2 (DEFAULT_AUTHORITY); supervisors change it.
    authority_level: int = Field(
        default=1, sa_column_kwargs={"default": None, "server_default": text("1")}
    )


DEFAULT_AUTHORITY = {Role.supervisor: 2}


def default_authority(role: Role) -> int:
    return DEFAULT_AUTHORITY.get(role, 1)
