"""Shared builders for service-order tests."""

import base64
import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

API = "/api/v1/service-orders"


def png_data_url(width: int = 4, height: int = 2) -> str:
    """A real, tiny PNG (grey pixels) as a data URL."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def window(days: int = 1, hours: int = 2, start_hour: int = 2) -> tuple[str, str]:
    day = datetime.now(UTC).replace(hour=start_hour, minute=0, second=0, microsecond=0)
    start = day + timedelta(days=days)
    return start.isoformat(), (start + timedelta(hours=hours)).isoformat()


def order_body(customer_id: Any, kind: str = "remote", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": kind,
        "channel": "phone",
        "customer_id": str(customer_id),
        "subject": "Printer jams",
        **fields,
    }
    if kind == "onsite" and "appointment_start" not in fields:
        body["appointment_start"], body["appointment_end"] = window()
    return body


async def act(
    client: Any,
    headers: dict[str, str],
    order_id: str,
    action: str,
    body: dict[str, Any] | None = None,
) -> Any:
    return await client.post(f"{API}/{order_id}/{action}", json=body, headers=headers)
