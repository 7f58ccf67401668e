from dataclasses import dataclass
from typing import Any

import pytest

from tests.complaints.helpers import API, action_body, complaint_body


@dataclass
class Desk:
    """Drives complaints over HTTP as the four standard users."""

    client: Any
    factory: Any
    users: dict[str, Any]

    @property
    def customer_id(self) -> Any:
        return self.users["customer"].customer_id

    def headers(self, who: Any = "clerk", **extra: str) -> dict[str, str]:
        user = self.users[who] if isinstance(who, str) else who
        return self.factory.headers(user, **extra)

    async def create(self, who: Any = "clerk", **fields: Any) -> dict[str, Any]:
        body = complaint_body(fields.pop("customer_id", self.customer_id), **fields)
        response = await self.client.post(API, json=body, headers=self.headers(who))
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def act(
        self, complaint: dict[str, Any], action: str, who: Any = "clerk", body: Any = "default"
    ) -> Any:
        if body == "default":
            body = action_body(action, self.users["engineer"])
        return await self.client.post(
            f"{API}/{complaint['id']}/{action}", json=body, headers=self.headers(who)
        )

    async def do(
        self, complaint: dict[str, Any], action: str, who: Any = "clerk", body: Any = "default"
    ) -> dict[str, Any]:
        response = await self.act(complaint, action, who, body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def read(self, complaint: dict[str, Any], who: Any = "clerk") -> Any:
        return await self.client.get(f"{API}/{complaint['id']}", headers=self.headers(who))

    async def notifications(self, who: Any) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/api/v1/notifications", params={"limit": 200}, headers=self.headers(who)
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


@pytest.fixture
def desk(client, factory, users) -> Desk:
    return Desk(client, factory, users)
