"""Shared test helpers: row factories, auth headers, problem+json assertions."""

import functools
import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.passwords import hash_password
from app.auth.tokens import create_access_token
from app.config import Settings
from app.db.models import Customer, Device, Role, User, Vendor
from app.db.models.users import default_authority

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
                "authority_level": default_authority(role),
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
    """The response is the problem expected, and the contract documents it for its operation."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "code"} <= body.keys()
    if code is not None:
        assert body["code"] == code, body
    assert_documented(response)
    return body


@functools.cache
def _contract() -> tuple[dict[str, Any], list[tuple[re.Pattern[str], str]]]:
    spec = json.loads((Path(__file__).resolve().parents[1] / "openapi/openapi.json").read_text())
    templates = [
        (re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$"), path)
        for path in spec["paths"]
    ]
    # Literal paths before templated ones, so /users/me is not taken for /users/{user_id}.
    templates.sort(key=lambda item: item[1].count("{"))
    return spec, templates


def assert_documented(response: httpx.Response) -> None:
    """An answer of a documented operation carries a status, content type and body its contract
    names (the suite's client checks every answer of every test with this)."""
    spec, templates = _contract()
    method, path = response.request.method.lower(), response.request.url.path
    template = next((t for pattern, t in templates if pattern.match(path)), None)
    operation = spec["paths"].get(template, {}).get(method) if template else None
    if operation is None:
        return  # an undocumented path or method (404/405 from routing)
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{method.upper()} {template} answered {status}, which the contract does not document"
    )
    content = operation["responses"][status].get("content")
    if not content or not response.content:
        return
    media = response.headers["content-type"].split(";")[0]
    assert media in content, f"{method.upper()} {template} {status}: {media} is not documented"
    if media.endswith("json") and "schema" in content[media]:
        _validator(template, method, status, media).validate(response.json())


@functools.cache
def _validator(template: str, method: str, status: str, media: str) -> Any:
    spec, _ = _contract()
    schema = spec["paths"][template][method]["responses"][status]["content"][media]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": spec["components"]})
