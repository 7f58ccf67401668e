"""Every table class, importable from one place (alembic and the app both read this)."""

from sqlmodel import SQLModel

import app.db.models.naming  # noqa: F401  (first: it names the constraints of every table below)

# isort: split
from app.db.models import indexes as _indexes  # noqa: F401  (attaches the list indexes)
from app.db.models.auth import KnownLoginAddress, LoginFailure, RefreshToken, TokenFamily
from app.db.models.calendar import CalendarSetting
from app.db.models.cases import Case, CaseAction, CaseCriterion, CaseStatus
from app.db.models.complaints import Complaint
from app.db.models.events import Event, Participant, Record
from app.db.models.idempotency import IdempotencyRecord
from app.db.models.notifications import Notification
from app.db.models.numbering import NumberSequence
from app.db.models.reference import Customer, Device, Vendor
from app.db.models.repairs import ExternalRepair, RepairOrder, RepairPart, RepairProcessRecord
from app.db.models.service_orders import (
    OrderChannel,
    OrderKind,
    OrderSignature,
    PauseKind,
    Priority,
    ServiceOrder,
    ServiceOrderAction,
    ServiceOrderStatus,
    SlaPause,
    SlaPolicy,
    SlaState,
)
from app.db.models.users import OFFICE_ROLES, STAFF_ROLES, Role, User
from app.db.models.visits import (
    CallbackVisit,
    VisitAction,
    VisitMethod,
    VisitOrder,
    VisitStatus,
)

metadata = SQLModel.metadata

__all__ = [
    "OFFICE_ROLES",
    "STAFF_ROLES",
    "CalendarSetting",
    "CallbackVisit",
    "Case",
    "CaseAction",
    "CaseCriterion",
    "CaseStatus",
    "Complaint",
    "Customer",
    "Device",
    "Event",
    "ExternalRepair",
    "IdempotencyRecord",
    "KnownLoginAddress",
    "LoginFailure",
    "Notification",
    "NumberSequence",
    "OrderChannel",
    "OrderKind",
    "OrderSignature",
    "Participant",
    "PauseKind",
    "Priority",
    "Record",
    "RefreshToken",
    "RepairOrder",
    "RepairPart",
    "RepairProcessRecord",
    "Role",
    "ServiceOrder",
    "ServiceOrderAction",
    "ServiceOrderStatus",
    "SlaPause",
    "SlaPolicy",
    "SlaState",
    "TokenFamily",
    "User",
    "Vendor",
    "VisitAction",
    "VisitMethod",
    "VisitOrder",
    "VisitStatus",
    "metadata",
]
