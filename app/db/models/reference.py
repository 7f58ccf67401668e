"""Reference data: customers, their devices, and external repair stations (vendors)."""

import uuid
from datetime import date
from typing import ClassVar

from sqlalchemy import Date, String, Text
from sqlmodel import Field

from app.db.models.base import Entity
from app.db.types import JSONType


class Customer(Entity, table=True):
    __tablename__ = "customers"
    object_type: ClassVar[str] = "customer"

    code: str = Field(sa_type=String(50), unique=True, index=True)
    name: str = Field(sa_type=String(200), index=True)
    contact_name: str | None = Field(default=None, sa_type=String(200))
    phone: str | None = Field(default=None, sa_type=String(50))
    email: str | None = Field(default=None, sa_type=String(254))
    address: str | None = Field(default=None, sa_type=Text)
    external_ref: str | None = Field(default=None, sa_type=String(100), unique=True)


class Device(Entity, table=True):
    __tablename__ = "devices"
    object_type: ClassVar[str] = "device"

    customer_id: uuid.UUID = Field(foreign_key="customers.id", index=True)
    serial_number: str = Field(sa_type=String(100), unique=True)
    model: str = Field(sa_type=String(200))
    configuration: str | None = Field(default=None, sa_type=Text)
    purchased_at: date | None = Field(default=None, sa_type=Date)
    warranty_until: date | None = Field(default=None, sa_type=Date)
    external_ref: str | None = Field(default=None, sa_type=String(100), unique=True)


class Vendor(Entity, table=True):
    __tablename__ = "vendors"
    object_type: ClassVar[str] = "vendor"

    name: str = Field(sa_type=String(200), index=True)
    contact_name: str | None = Field(default=None, sa_type=String(200))
    phone: str | None = Field(default=None, sa_type=String(50))
    address: str | None = Field(default=None, sa_type=Text)
    services: list[str] = Field(default_factory=list, sa_type=JSONType)
    active: bool = True
    external_ref: str | None = Field(default=None, sa_type=String(100), unique=True)
