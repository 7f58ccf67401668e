"""Walk the department's two service processes against a running server, as the demo users.

    .venv/bin/python scripts/walkthrough.py [--url http://127.0.0.1:8000]

Needs the demo data (`make run` seeds it). Prints each step; exits non-zero on the first
surprise. Useful after a deploy, and it is how the newcomer path is checked.
"""

import argparse
import base64
import struct
import sys
import uuid
import zlib
from datetime import UTC, datetime, timedelta

import httpx

PASSWORD = "aftercare-demo"


def tiny_png() -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x80\x80\x00\x80\x80"))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    api = httpx.Client(base_url=args.url + "/api/v1", timeout=30)

    def login(email: str) -> dict[str, str]:
        r = api.post("/auth/token", data={"username": email, "password": PASSWORD})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def call(method: str, path: str, who: dict[str, str], expect: int = 200, **kw):  # type: ignore[no-untyped-def]
        r = api.request(method, path, headers={**who, **kw.pop("headers", {})}, **kw)
        if r.status_code != expect:
            print(f"FAILED {method} {path}: {r.status_code} {r.text}")
            sys.exit(1)
        return r.json() if r.content else None

    clerk, supervisor = login("clerk@demo.local"), login("supervisor@demo.local")
    engineer, customer = login("engineer@demo.local"), login("customer@demo.local")
    me = call("GET", "/users/me", customer)
    engineer_id = call("GET", "/users/me", engineer)["id"]
    suffix = uuid.uuid4().hex[:6]
    new_customer = call(
        "POST", "/customers", clerk, 201, json={"code": f"WALK-{suffix}", "name": "Walkthrough Ltd"}
    )
    device = call(
        "POST",
        "/devices",
        clerk,
        201,
        json={
            "customer_id": new_customer["id"],
            "serial_number": f"SN-{suffix}",
            "model": "X1",
            "warranty_until": "2030-12-31",
        },
    )
    warranty = call("GET", f"/devices/{device['id']}/warranty", clerk)
    print(
        f"clerk created customer {new_customer['code']} and device {device['serial_number']} "
        f"(in warranty: {warranty['in_warranty']})"
    )

    so = "/service-orders"
    remote = call(
        "POST",
        so,
        clerk,
        201,
        json={
            "kind": "remote",
            "channel": "phone",
            "customer_id": me["customer_id"],
            "subject": "Printer jams",
            "contact_name": "Zhao Min",
        },
    )
    rid = remote["id"]
    print(f"{remote['number']} taken by phone; due {remote['due_at']}")
    call("POST", f"{so}/{rid}/assign", clerk, json={"assignee_id": engineer_id})
    call("POST", f"{so}/{rid}/start", engineer)
    call(
        "POST",
        f"{so}/{rid}/records",
        engineer,
        201,
        json={"kind": "communication", "channel": "phone", "body": "Talked the customer through"},
    )
    call("POST", f"{so}/{rid}/report", engineer, json={"resolution": "Cleaned the rollers"})
    call("POST", f"{so}/{rid}/confirm", customer)
    closed = call("POST", f"{so}/{rid}/close", supervisor)
    timeline = call("GET", f"{so}/{rid}/timeline", customer)["items"]
    print(
        f"{remote['number']} {closed['status']}; customer timeline: "
        + ", ".join(e["action"] or "record" for e in timeline)
    )

    start = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    onsite = call(
        "POST",
        so,
        clerk,
        201,
        json={
            "kind": "onsite",
            "channel": "email",
            "customer_id": me["customer_id"],
            "subject": "CNC spindle noise",
            "priority": "high",
            "appointment_start": start.isoformat(),
            "appointment_end": (start + timedelta(hours=2)).isoformat(),
        },
    )
    oid = onsite["id"]
    call("POST", f"{so}/{oid}/assign", clerk, json={"assignee_id": engineer_id})
    work = call("GET", "/users/me/work", engineer)
    call("POST", f"{so}/{oid}/start", engineer)
    signed = call(
        "POST",
        f"{so}/{oid}/report",
        engineer,
        json={
            "resolution": "Replaced bearing",
            "service_record": "Bearing replaced, tested 30 min",
            "signoff": {"signer_name": "Zhao Min", "signature": tiny_png()},
        },
    )
    call("POST", f"{so}/{oid}/close", clerk)
    notices = call("GET", "/notifications?unread=true", customer)["items"]
    print(
        f"{onsite['number']} signed by {signed['signoff']['signer_name']} "
        f"({signed['status']}), closed; engineer had {len(work['items'])} open item(s); "
        f"customer has {len(notices)} unread notice(s)"
    )
    other = call("GET", f"/customers/{new_customer['id']}", customer, 404)
    print(f"customer reading another company's record: 404 {other['code']}")
    print("walkthrough passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
