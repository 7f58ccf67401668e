"""Counters for human-facing numbers, shared by every numbered resource."""

from sqlalchemy import String
from sqlmodel import Field, SQLModel


class NumberSequence(SQLModel, table=True):
    """Human-facing order numbers: one counter per prefix and year (SO-2026 → SO-2026-000123)."""

    __tablename__ = "number_sequences"

    name: str = Field(sa_type=String(20), primary_key=True)
    last: int = 0
