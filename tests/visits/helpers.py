"""Shared builders for callback-visit tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

API = "/api/v1/visits"

HAPPY = {
    "reached": True,
    "feedback": "All good",
    "scores": {"overall": 5, "response_speed": 4, "professionalism": 5, "attitude": 5},
    "nps": 9,
}
# NPS 3 and a score of 1: a detractor.
DETRACTOR = {
    "reached": True,
    "feedback": "Nobody came",
    "scores": {"overall": 1, "response_speed": 2, "professionalism": 3, "attitude": 3},
    "nps": 3,
}
NOT_REACHED = {"reached": False, "feedback": "No answer"}


def later(hours: int = 24) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def plan_body(customer_id: Any, method: str = "phone", **fields: Any) -> dict[str, Any]:
    return {
        "customer_id": str(customer_id),
        "method": method,
        "planned_at": later(),
        "topics": ["satisfaction with the repair"],
        **fields,
    }


async def plan(client: Any, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(API, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def act(
    client: Any, headers: dict[str, str], visit_id: str, action: str, body: Any = None
) -> Any:
    return await client.post(f"{API}/{visit_id}/{action}", json=body, headers=headers)
