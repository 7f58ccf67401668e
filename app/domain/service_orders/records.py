import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Record, Role, User
from app.domain.errors import ValidationFailed
from app.domain.service_orders.service import OBJECT_TYPE, get_order
from app.domain.timeline import Channel, RecordCreate, RecordKind, add_record


async def add_order_record(
    session: AsyncSession, user: User, order_id: uuid.UUID, body: RecordCreate
) -> Record:
    """Staff who may see the order write any kind of record; a customer writes messages only,
    and they are marked as coming through the portal."""
    order = await get_order(session, user, order_id)
    if user.role == Role.customer:
        if body.kind != RecordKind.communication:
            raise ValidationFailed([("kind", "customers can only add communication records")])
        body = body.model_copy(update={"channel": Channel.portal})
    return await add_record(session, user, OBJECT_TYPE, order, body)
