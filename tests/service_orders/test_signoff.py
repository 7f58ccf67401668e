"""On-site reports carry the service record and the customer's signature (SPEC §4.1): a real
PNG of at most 256 KiB, hashed with the record as signed."""

import base64
import hashlib
import struct
import zlib

from tests.service_orders.desk import assert_unchanged, default_body, signoff
from tests.service_orders.helpers import API, png_data_url
from tests.support import assert_problem


async def test_onsite_report_is_signed_and_confirmed(desk, users):
    order = await desk.order_in("in_progress", "onsite")
    record = "Replaced the fuser unit; printed 20 test pages."
    after = await desk.do(
        order,
        "report",
        "engineer",
        {"resolution": "Fixed", "service_record": record, "signoff": signoff()},
    )
    assert (after["status"], after["version"]) == ("confirmed", order["version"] + 1)
    assert after["service_record"] == record
    assert after["signoff"]["signer_name"] == "Zhao Min"
    assert after["signoff"]["signature"] == png_data_url()
    assert after["signoff"]["record_sha256"] == hashlib.sha256(record.encode()).hexdigest()
    assert after["signoff"]["record_matches"] is True
    assert after["confirmation"]["channel"] == "signature"
    assert set(after["allowed_actions"]) == {"escalate"}  # engineers do not close
    event = (await desk.events(order))[-1]
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "report",
        "in_progress",
        "confirmed",
    )
    assert event["changes"]["signer_name"] == "Zhao Min"
    assert set((await desk.get(order))["allowed_actions"]) == {"close", "escalate"}


async def test_onsite_report_needs_record_and_signature(desk):
    order = await desk.order_in("in_progress", "onsite")
    for missing in ("service_record", "signoff"):
        body = default_body("report", "onsite")
        assert body is not None
        del body[missing]
        problem = assert_problem(await desk.act(order, "report", "engineer", body), 422)
        assert [e["field"] for e in problem["errors"]] == [missing]
    await assert_unchanged(desk, order, 3)


def _png_bytes(width: int = 4, height: int = 2) -> bytes:
    return base64.b64decode(png_data_url(width, height).split(",", 1)[1])


def _padded_png(total: int) -> bytes:
    """A valid PNG of exactly `total` bytes (an ancillary chunk carries the padding)."""
    png = _png_bytes()
    head, iend = png[:-12], png[-12:]
    size = total - len(png) - 12
    data = b"\x00" * size
    chunk = struct.pack(">I", size) + b"teXt" + data + struct.pack(">I", zlib.crc32(b"teXt" + data))
    padded = head + chunk + iend
    assert len(padded) == total
    return padded


def _b64(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


BAD_SIGNATURES = {
    "not a data URL": base64.b64encode(_png_bytes()).decode(),
    "a URL": "https://example.com/signature.png",
    "wrong MIME": _b64(_png_bytes(), "image/jpeg"),
    "not base64": "data:image/png;base64,not*base64!",
    "bad padding": "data:image/png;base64," + base64.b64encode(_png_bytes()).decode()[:-3],
    "empty": "data:image/png;base64,",
    "a JPEG": _b64(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64),
    "a GIF": _b64(b"GIF89a\x04\x00\x02\x00\x80\x00\x00" + b"\x00" * 40),
    "text": _b64(b"I, the customer, agree."),
    "zero width": _b64(_png_bytes(width=0)),
    "zero height": _b64(_png_bytes(height=0)),
    "truncated": _b64(_png_bytes()[:-12]),
    "truncated in IDAT": _b64(_png_bytes()[:45]),
    "bad chunk checksum": _b64(_png_bytes()[:29] + b"\x00\x00\x00\x00" + _png_bytes()[33:]),
    "over 256 KiB": _b64(_padded_png(256 * 1024 + 1)),
}


async def test_report_refuses_a_signature_that_is_not_a_real_png(desk):
    order = await desk.order_in("in_progress", "onsite")
    for name, signature in BAD_SIGNATURES.items():
        body = {"resolution": "Fixed", "service_record": "Done", "signoff": signoff(signature)}
        problem = assert_problem(await desk.act(order, "report", "engineer", body), 422)
        assert problem["errors"][0]["field"].startswith("signoff.signature"), name
    await assert_unchanged(desk, order, 3)
    assert (await desk.get(order))["signoff"] is None
    good = await desk.do(order, "report", "engineer")
    assert good["status"] == "confirmed"


async def test_a_signature_of_exactly_256_kib_is_accepted(desk):
    order = await desk.order_in("in_progress", "onsite")
    signature = _b64(_padded_png(256 * 1024))
    body = {"resolution": "Fixed", "service_record": "Done", "signoff": signoff(signature)}
    after = await desk.do(order, "report", "engineer", body)
    assert after["signoff"]["signature"] == signature


async def test_the_signed_record_cannot_be_changed_afterwards(desk):
    """service_record is not editable, so record_sha256 keeps matching what the customer signed."""
    order = await desk.order_in("confirmed", "onsite")
    signed = await desk.get(order)
    patch = await desk.client.patch(
        f"{API}/{order['id']}",
        json={"service_record": "Something else"},
        headers=desk.headers(**{"If-Match": f'"{signed["version"]}"'}),
    )
    assert_problem(patch, 422, "validation_error")
    again = await desk.get(order)
    assert again["service_record"] == signed["service_record"]
    assert again["signoff"]["record_sha256"] == signed["signoff"]["record_sha256"]
    assert again["signoff"]["record_matches"] is True
