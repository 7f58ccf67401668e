import uuid
from typing import Annotated

from fastapi import Query, Response, status

from app.auth.dependencies import CurrentUser, Office
from app.db.models import Customer
from app.domain.customers import service
from app.domain.customers.schemas import CustomerCreate, CustomerRead, CustomerUpdate
from app.domain.schemas import Page
from app.http.deps import JsonRouter, Paging, RequiredIfMatch, Session, set_etag
from app.routers.history import History, add_history_routes

router = JsonRouter(prefix="/customers", tags=["customers"])


@router.get("")
async def list_customers(
    session: Session,
    user: CurrentUser,
    page: Paging,
    filters: Annotated[service.CustomerQuery, Query()],
) -> Page[CustomerRead]:
    """List customers (a customer user sees only its own company)."""
    result = await service.list_customers(session, user, filters, page)
    return Page(
        items=[service.to_read(c, user) for c in result.items], next_cursor=result.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_customer(
    session: Session, user: Office, body: CustomerCreate, response: Response
) -> CustomerRead:
    """Create a customer."""
    customer = await service.create_customer(session, user, body)
    set_etag(response, customer)
    return service.to_read(customer, user)


@router.get("/{customer_id}")
async def get_customer(
    session: Session, user: CurrentUser, customer_id: uuid.UUID, response: Response
) -> CustomerRead:
    """Return one customer."""
    customer = await service.get_customer(session, user, customer_id)
    set_etag(response, customer)
    return service.to_read(customer, user)


@router.patch("/{customer_id}")
async def update_customer(
    session: Session,
    user: Office,
    customer_id: uuid.UUID,
    body: CustomerUpdate,
    version: RequiredIfMatch,
    response: Response,
) -> CustomerRead:
    """Change a customer's fields (If-Match required)."""
    customer = await service.update_customer(session, user, customer_id, body, version)
    set_etag(response, customer)
    return service.to_read(customer, user)


add_history_routes(
    router,
    History(
        noun="customer",
        path_param="customer_id",
        object_type=Customer.object_type,
        load=service.get_customer,
        public=service.PUBLIC_CHANGES,
        timeline_doc="The customer's history: changes and records, oldest first.",
        records_doc="Write down a contact with the customer that belongs to no order.",
    ),
    record_writer=Office,
)
