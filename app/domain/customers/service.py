import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OFFICE_ROLES, Customer, Role, User
from app.db.repositories.scoping import select_visible
from app.domain.common import ensure_unique, get_or_404, require_version, text_search
from app.domain.customers.schemas import CustomerCreate, CustomerRead, CustomerUpdate
from app.domain.events import add_created, save_changes
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


@dataclass(frozen=True)
class CustomerFilters:
    q: str | None = None
    code: str | None = None
    external_ref: str | None = None


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
    session: AsyncSession, user: User, filters: CustomerFilters, page: PageParams
) -> PageResult[Customer]:
    stmt = select_visible(user, Customer)
    if filters.q:
        stmt = stmt.where(
            text_search(
                filters.q, col(Customer.name), col(Customer.code), col(Customer.contact_name)
            )
        )
    if filters.code:
        stmt = stmt.where(col(Customer.code) == filters.code)
    if filters.external_ref:
        stmt = stmt.where(col(Customer.external_ref) == filters.external_ref)
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
