"""Shared builders for repair-order tests: bodies, and `Bench`, which drives repair orders over
HTTP as the standard users (the generic workflow checks use tests.harness instead)."""

import uuid
from dataclasses import dataclass
from typing import Any

API = "/api/v1/repair-orders"

INTAKE = {
    "appearance": "scratch on the lid",
    "configuration": "16 GB, 512 GB SSD",
    "accessories": ["power adapter"],
}


def new_device(**fields: Any) -> dict[str, Any]:
    return {"serial_number": f"SN-{uuid.uuid4().hex[:10]}", "model": "T480", **fields}


def receive_body(customer_id: Any, device_id: Any = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": str(customer_id),
        "fault_description": "does not power on",
        "intake": INTAKE,
        **fields,
    }
    if device_id is not None:
        body["device_id"] = str(device_id)
    elif "device" not in fields:
        body["device"] = new_device()
    return body


def default_body(action: str, users: Any) -> Any:
    """A valid body for `action` (the in-house path; send_out names users["vendor"])."""
    bodies: dict[str, Any] = {
        "assign": {"assignee_id": str(users["engineer"].id)},
        "diagnose": {"diagnosis": "dead capacitor", "route": "in_house"},
        "send_out": {
            "vendor_id": str(users["vendor"].id) if "vendor" in users else None,
            "route_reason": "beyond_local_capability",
        },
        "finish_repair": {"outcome": "repaired", "summary": "replaced the capacitor"},
        "reinspect": {"result": "pass", "notes": "boots, all ports fine"},
        "return_unrepaired": {"reason": "no station could repair it"},
        "deliver": {"to": "Li Lei", "method": "pickup"},
        "confirm": {"channel": "phone"},
        "cancel": {"reason": "customer withdrew"},
        "escalate": {"summary": "third failure this year", "criteria": ["repeat_failure"]},
    }
    return bodies.get(action)


# The steps from `received` to each state along the usual in-house path (role per step).
PATHS: dict[str, tuple[tuple[str, str], ...]] = {
    "received": (),
    "assigned": (("assign", "clerk"),),
    "diagnosed": (("assign", "clerk"), ("diagnose", "engineer")),
    "repairing": (("assign", "clerk"), ("diagnose", "engineer"), ("start_repair", "engineer")),
    "external": (("assign", "clerk"), ("diagnose", "engineer"), ("send_out", "clerk")),
}
PATHS["reinspection"] = (*PATHS["repairing"], ("finish_repair", "engineer"))
PATHS["ready"] = (*PATHS["reinspection"], ("reinspect", "engineer"))
PATHS["delivered"] = (*PATHS["ready"], ("deliver", "clerk"))
PATHS["confirmed"] = (*PATHS["delivered"], ("confirm", "clerk"))
PATHS["closed"] = (*PATHS["confirmed"], ("close", "clerk"))
PATHS["cancelled"] = (("assign", "clerk"), ("cancel", "clerk"))


@dataclass
class Bench:
    """Drives repair orders over HTTP as the standard users (plus users["vendor"])."""

    client: Any
    factory: Any
    users: dict[str, Any]

    def headers(self, who: Any = "clerk", **extra: str) -> dict[str, str]:
        user = self.users[who] if isinstance(who, str) else who
        return self.factory.headers(user, **extra)

    async def receive(self, who: Any = "clerk", **fields: Any) -> dict[str, Any]:
        body = receive_body(fields.pop("customer_id", self.users["customer"].customer_id), **fields)
        response = await self.client.post(API, json=body, headers=self.headers(who))
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def act(
        self, order: Any, action: str, who: Any = "clerk", body: Any = "default", **headers: str
    ) -> Any:
        if body == "default":
            body = default_body(action, self.users)
        return await self.client.post(
            f"{API}/{order['id']}/{action}", json=body, headers=self.headers(who, **headers)
        )

    async def do(self, order: Any, action: str, who: Any = "clerk", body: Any = "default") -> Any:
        response = await self.act(order, action, who, body)
        assert response.status_code == 200, (action, response.text)
        return response.json()

    async def get(self, order: Any, who: Any = "clerk") -> Any:
        response = await self.client.get(f"{API}/{order['id']}", headers=self.headers(who))
        assert response.status_code == 200, response.text
        return response.json()

    async def order_in(self, state: str, **fields: Any) -> dict[str, Any]:
        order = await self.receive(**fields)
        for action, who in PATHS[state]:
            order = await self.do(order, action, who)
        assert order["status"] == state
        return order

    async def events(self, order: Any, who: Any = "clerk") -> list[dict[str, Any]]:
        response = await self.client.get(
            f"{API}/{order['id']}/timeline", params={"limit": 200}, headers=self.headers(who)
        )
        assert response.status_code == 200, response.text
        return [e for e in response.json()["items"] if e["type"] == "event"]
