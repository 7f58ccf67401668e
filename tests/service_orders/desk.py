"""`Desk` drives service orders over HTTP as the four standard users, for the tests of the
service-order rules (the generic workflow checks use `tests.harness` with the oracle in
test_workflow_oracle.py)."""

import itertools
from dataclasses import dataclass
from typing import Any

from tests.service_orders.helpers import API, order_body, png_data_url, window

_DAYS = itertools.count(3)


def free_window(hours: int = 2) -> tuple[str, str]:
    """An appointment on a day no other order of this run uses, so bookings never clash."""
    return window(days=next(_DAYS), hours=hours)


def signoff(signature: str | None = None) -> dict[str, str]:
    return {"signer_name": "Zhao Min", "signature": signature or png_data_url()}


def default_body(action: str, kind: str = "remote", assignee: Any = None) -> dict[str, Any] | None:
    """A valid body for `action` on an order of `kind`."""
    if action == "assign":
        return {"assignee_id": str(assignee.id)}
    if action in ("hold", "reopen", "cancel"):
        return {"reason": f"{action} reason"}
    if action == "report":
        if kind == "onsite":
            return {"resolution": "Fixed", "service_record": "Replaced fuser", "signoff": signoff()}
        return {"resolution": "Fixed"}
    if action == "confirm":
        return {"channel": "phone"}
    if action == "escalate":
        return {"criteria": ["repeat_failure"], "summary": "Third visit for the same fault"}
    return None


@dataclass
class Desk:
    """Drives service orders over HTTP as the four standard users."""

    client: Any
    factory: Any
    users: dict[str, Any]

    @property
    def customer_id(self) -> Any:
        return self.users["customer"].customer_id

    def headers(self, who: Any = "clerk", **extra: str) -> dict[str, str]:
        user = self.users[who] if isinstance(who, str) else who
        return self.factory.headers(user, **extra)

    async def create(self, kind: str = "remote", who: Any = "clerk", **fields: Any) -> dict:
        if kind == "onsite" and "appointment_start" not in fields:
            fields["appointment_start"], fields["appointment_end"] = free_window()
        body = order_body(fields.pop("customer_id", self.customer_id), kind, **fields)
        response = await self.client.post(API, json=body, headers=self.headers(who))
        assert response.status_code == 201, response.text
        return response.json()

    async def act(
        self,
        order: Any,
        action: str,
        who: Any = "clerk",
        body: Any = "default",
        **headers: str,
    ) -> Any:
        oid = order if isinstance(order, str) else order["id"]
        if body == "default":
            kind = order["kind"] if isinstance(order, dict) else "remote"
            body = default_body(action, kind, self.users["engineer"])
        return await self.client.post(
            f"{API}/{oid}/{action}", json=body, headers=self.headers(who, **headers)
        )

    async def do(self, order: Any, action: str, who: Any = "clerk", body: Any = "default") -> dict:
        response = await self.act(order, action, who, body)
        assert response.status_code == 200, response.text
        return response.json()

    async def get(self, order: Any, who: Any = "clerk") -> dict:
        oid = order if isinstance(order, str) else order["id"]
        response = await self.client.get(f"{API}/{oid}", headers=self.headers(who))
        assert response.status_code == 200, response.text
        return response.json()

    async def events(self, order: Any, who: Any = "clerk") -> list[dict]:
        oid = order if isinstance(order, str) else order["id"]
        response = await self.client.get(f"{API}/{oid}/timeline", headers=self.headers(who))
        assert response.status_code == 200, response.text
        return [e for e in response.json()["items"] if e["type"] == "event"]

    async def order_in(
        self, state: str, kind: str = "remote", held_from: str = "in_progress", **fields: Any
    ) -> dict:
        """A new order taken to `state` along the usual path, assigned to users["engineer"].

        `cancelled` is reached from `assigned`, so the engineer can see it.
        """
        order = await self.create(kind, **fields)
        if state == "new":
            return order
        order = await self.do(order, "assign")
        if state in ("assigned", "cancelled") or (state == "on_hold" and held_from == "assigned"):
            if state == "cancelled":
                order = await self.do(order, "cancel")
            elif state == "on_hold":
                order = await self.do(order, "hold", "engineer")
            return order
        order = await self.do(order, "start", "engineer")
        if state == "on_hold":
            return await self.do(order, "hold", "engineer")
        if state == "in_progress":
            return order
        order = await self.do(order, "report", "engineer")
        if state == "reported" or (state == "confirmed" and kind == "onsite"):
            return order
        if order["status"] == "reported":
            order = await self.do(order, "confirm")
        if state == "confirmed":
            return order
        assert state == "closed", state
        return await self.do(order, "close")


async def assert_unchanged(desk: Desk, before: dict, events_before: int) -> None:
    after = await desk.get(before)
    assert after["status"] == before["status"]
    assert after["version"] == before["version"]
    assert len(await desk.events(before)) == events_before
