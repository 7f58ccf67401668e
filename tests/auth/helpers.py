"""Logging in over HTTP, shared by the auth and users tests."""

from typing import Any

import httpx

from tests.support import PASSWORD

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/users/me"


async def password_grant(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    """POST the OAuth2 password form exactly as Swagger's Authorize button does."""
    return await client.post(
        TOKEN_URL, data={"grant_type": "password", "username": username, "password": password}
    )


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Any:
    """Log in and return the token response body (fails the test if login fails)."""
    response = await password_grant(client, username, password)
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def me_status(client: httpx.AsyncClient, access_token: str) -> int:
    return (await client.get(ME_URL, headers=bearer(access_token))).status_code


def client_from(app: Any, address: str, **headers: str) -> httpx.AsyncClient:
    """A client whose requests come from `address` (what the throttle and the refresh grace see)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)
