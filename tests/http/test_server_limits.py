"""What a client can make the server hold: request head size and time, body time.

The protocol tests start a real uvicorn server on 127.0.0.1 (a free port) around a tiny ASGI
app, because these limits live below the application.
"""

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn

from app import cli
from app.http import server as limits
from app.http.middleware import BodyGuardMiddleware
from tests.servers import free_port


async def _ok(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
async def port(monkeypatch) -> AsyncIterator[int]:
    monkeypatch.setattr(limits, "REQUEST_HEAD_TIMEOUT_SECONDS", 0.5)
    free = free_port()
    config = uvicorn.Config(
        _ok, host="127.0.0.1", port=free, log_level="warning", lifespan="off",
        **limits.uvicorn_options(),
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield free
    server.should_exit = True
    await task


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sent before closing; fails if it keeps the connection open."""
    return await asyncio.wait_for(reader.read(), timeout=seconds)


async def test_a_normal_request_is_served(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert (await _closed_within(reader, 5)).startswith(b"HTTP/1.1 200")
    writer.close()


async def test_a_huge_header_is_refused_without_reading_it_all(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * (limits.MAX_REQUEST_HEAD_BYTES * 2)
    )
    answer = await _closed_within(reader, 5)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
    writer.close()


async def test_a_header_sent_too_slowly_is_cut_off(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ")
    for _ in range(3):  # a byte every 0.2 s keeps the connection busy but never finishes
        await asyncio.sleep(0.2)
        writer.write(b"x")
    assert await _closed_within(reader, 3) == b""
    writer.close()


async def test_the_next_request_on_a_kept_alive_connection_has_a_deadline_too(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    first = await asyncio.wait_for(reader.readuntil(b"\r\n0\r\n\r\n"), timeout=5)
    assert first.startswith(b"HTTP/1.1 200")
    writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n")  # the next head, never finished
    for _ in range(3):
        await asyncio.sleep(0.2)
        writer.write(b"X-Slow: x\r\n")
    assert await _closed_within(reader, 3) == b""
    writer.close()


def test_serve_runs_uvicorn_with_the_limits(monkeypatch):
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    assert cli.main(["serve", "--port", "1"]) == 0
    assert seen["http"] is limits.BoundedH11Protocol
    assert seen["h11_max_incomplete_event_size"] == limits.MAX_REQUEST_HEAD_BYTES
    assert seen["timeout_keep_alive"] == limits.KEEP_ALIVE_TIMEOUT_SECONDS
    assert seen["limit_concurrency"] == limits.MAX_CONCURRENT_CONNECTIONS


async def test_a_body_sent_too_slowly_is_408():
    async def never_finishes():
        await asyncio.sleep(0.05)
        return {"type": "http.request", "body": b"{", "more_body": True}

    sent = []

    async def send(message):
        sent.append(message)

    async def app(scope, receive, send):
        raise AssertionError("the app must not run")

    guard = BodyGuardMiddleware(app, max_body_bytes=1_000_000, body_timeout_seconds=0.3)
    scope = {"type": "http", "method": "POST", "path": "/x", "query_string": b"", "headers": []}
    await guard(scope, never_finishes, send)
    assert sent[0]["status"] == 408
    assert b'"code":"request_timeout"' in sent[1]["body"]


@pytest.mark.parametrize("value", [b"a\x01b", b"a\x7fb", b"a\x1bb"])
async def test_control_bytes_in_a_header_are_400_problem(client, value):
    response = await client.get("/healthz", headers=[(b"X-Note", value)])
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


async def test_tabs_and_non_ascii_in_header_values_pass(client):
    response = await client.get("/healthz", headers=[(b"X-Note", "a\tb é".encode())])
    assert response.status_code == 200
