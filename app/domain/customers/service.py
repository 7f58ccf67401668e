import uuid

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OFFICE_ROLES, Customer, Role, User
from app.db.repositories.scoping import select_visible
from app.domain.common import ensure_unique, get_or_404, require_version
from app.domain.customers.schemas import CustomerCreate, CustomerRead, CustomerUpdate
from app.domain.events import add_created, save_changes
from app.domain.filters import ExternalRefQuery, apply_filters
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.schemas import read_for
from app.domain.timeline import PublicChanges

# What a customer user sees of its company record's changes (external_ref is the ERP's key).
PUBLIC_CHANGES = PublicChanges(
    frozenset({"code", "name", "contact_name", "phone", "email", "address"})
)
SORTS = {
    "created_at": col(Customer.created_at),
    "updated_at": col(Customer.updated_at),
    "name": col(Customer.name),
    "code": col(Customer.code),
}


class CustomerQuery(ExternalRefQuery):
    search_columns = ("name", "code", "contact_name")

    q: str | None = Field(default=None, max_length=200, description="name, code or contact")
    code: str | None = Field(default=None, max_length=50)


def to_read(customer: Customer, user: User) -> CustomerRead:
    actions = ["update", "add_record"] if user.role in OFFICE_ROLES else []
    return read_for(
        CustomerRead, customer, staff=user.role != Role.customer, allowed_actions=actions
    )


async def create_customer(session: AsyncSession, actor: User, data: CustomerCreate) -> Customer:
    await ensure_unique(session, Customer, {"code": data.code, "external_ref": data.external_ref})
    customer = Customer(**data.model_dump())
    await add_created(
        session, actor, Customer.object_type, customer, data.model_dump(exclude_none=True)
    )
    return customer


async def get_customer(session: AsyncSession, user: User, customer_id: uuid.UUID) -> Customer:
    return await get_or_404(session, user, Customer, customer_id, "Customer")


async def list_customers(
    session: AsyncSession, user: User, filters: CustomerQuery, page: PageParams
) -> PageResult[Customer]:
    stmt = apply_filters(select_visible(user, Customer), Customer, filters)
    return await paginate(session, stmt, Customer, page, SORTS)


async def update_customer(
    session: AsyncSession,
    actor: User,
    customer_id: uuid.UUID,
    data: CustomerUpdate,
    expected_version: int | None,
) -> Customer:
    customer = await get_customer(session, actor, customer_id)
    require_version(customer, expected_version)
    values = data.model_dump(exclude_unset=True)
    await ensure_unique(
        session,
        Customer,
        {"code": values.get("code"), "external_ref": values.get("external_ref")},
        exclude_id=customer.id,
    )
    await save_changes(session, actor, Customer.object_type, customer, values)
    return customer
