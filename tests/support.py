"""Shared test helpers: row factories, auth headers, problem+json assertions."""

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.passwords import hash_password
from app.auth.tokens import create_access_token
from app.config import Settings
from app.db.models import Customer, Device, Role, User, Vendor

PASSWORD = "correct-horse-battery"


class Factory:
    """Builds rows directly in the database and hands out ready-made bearer headers."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings):
        self.sessionmaker = sessionmaker
        self.settings = settings

    async def add(self, *rows: Any) -> None:
        async with self.sessionmaker() as session:
            session.add_all(rows)
            await session.commit()

    async def customer(self, **fields: Any) -> Customer:
        suffix = uuid.uuid4().hex[:8]
        row = Customer(**{"code": f"C-{suffix}", "name": f"Customer {suffix}", **fields})
        await self.add(row)
        return row

    async def device(self, customer: Customer, **fields: Any) -> Device:
        suffix = uuid.uuid4().hex[:8]
        row = Device(
            **{"customer_id": customer.id, "serial_number": f"SN-{suffix}", "model": "M1", **fields}
        )
        await self.add(row)
        return row

    async def vendor(self, **fields: Any) -> Vendor:
        row = Vendor(**{"name": f"Vendor {uuid.uuid4().hex[:8]}", **fields})
        await self.add(row)
        return row

    async def user(self, role: Role | str, customer: Customer | None = None, **fields: Any) -> User:
        role = Role(role)
        if role == Role.customer and customer is None and "customer_id" not in fields:
            customer = await self.customer()
        row = User(
            **{
                "email": f"{role.value}-{uuid.uuid4().hex[:8]}@test.local",
                "name": f"Test {role.value}",
                "role": role,
                "password_hash": await hash_password(PASSWORD),
                "customer_id": customer.id if customer else None,
                **fields,
            }
        )
        await self.add(row)
        return row

    def headers(self, user: User, **extra: str) -> dict[str, str]:
        token, _ = create_access_token(self.settings, user.id, None)
        return {"Authorization": f"Bearer {token}", **extra}


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "code"} <= body.keys()
    if code is not None:
        assert body["code"] == code, body
    return body
