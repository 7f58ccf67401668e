import uuid
from typing import Annotated

from pydantic import Field

from app.db.models.complaints import (
    ComplaintSeverity,
    ComplaintSource,
)
from app.domain.schemas import Name, WriteModel

Text = Annotated[str, Field(min_length=1, max_length=10_000)]


class ComplaintCreate(WriteModel):
    source: ComplaintSource | None = Field(
        default=None, description="required from staff; a customer's complaint is always portal"
    )
    customer_id: uuid.UUID
    complainant: Name = Field(description="who complained (a person's name)")
    description: Text
    severity: ComplaintSeverity
    service_order_id: uuid.UUID | None = Field(default=None, description="the customer's own")
    repair_order_id: uuid.UUID | None = Field(default=None, description="the customer's own")
    visit_id: uuid.UUID | None = Field(
        default=None, description="the callback visit it was raised in"
    )
