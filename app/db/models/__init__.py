"""Every table class, importable from one place (alembic and the app both read this)."""

from sqlmodel import SQLModel

from app.db.models.auth import LoginFailure, RefreshToken, TokenFamily
from app.db.models.events import Event, Record
from app.db.models.idempotency import IdempotencyRecord
from app.db.models.reference import Customer, Device, Vendor
from app.db.models.users import OFFICE_ROLES, STAFF_ROLES, Role, User

metadata = SQLModel.metadata

__all__ = [
    "OFFICE_ROLES",
    "STAFF_ROLES",
    "Customer",
    "Device",
    "Event",
    "IdempotencyRecord",
    "LoginFailure",
    "Record",
    "RefreshToken",
    "Role",
    "TokenFamily",
    "User",
    "Vendor",
    "metadata",
]
