"""Probe a running server's connection limits: one huge request header and many slow clients.

    .venv/bin/python scripts/probe_limits.py --port 8000 [--pid PID] [--header-mib 64]
        [--slow 50] [--slow-seconds 30]

Loopback only, and every loop is bounded (bytes, connections and seconds), so it cannot turn
into a real attack. With --pid it also reports the server's resident memory before and after.
Prints one line per measurement; docs/fuzzing.md ("Connection limits") records the figures.
"""

import argparse
import socket
import time
from pathlib import Path

HOST = "127.0.0.1"


def _rss_mib(pid: int | None) -> str:
    if pid is None:
        return "n/a"
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return f"{int(line.split()[1]) / 1024:.0f} MiB"
    return "n/a"


def _status_line(sock: socket.socket) -> str:
    try:
        sock.settimeout(5)
        data = sock.recv(200)
    except OSError as exc:
        return f"no answer ({type(exc).__name__})"
    return data.split(b"\r\n", 1)[0].decode("latin-1") if data else "closed without an answer"


def huge_header(port: int, mib: int, pid: int | None, budget_seconds: float) -> None:
    before = _rss_mib(pid)
    chunk = b"a" * 65536
    total = mib * 1024 * 1024
    sent = 0
    started = time.monotonic()
    outcome = "server kept reading"
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nX-Filler: ")
        try:
            while sent < total and time.monotonic() - started < budget_seconds:
                sock.sendall(chunk)
                sent += len(chunk)
            if sent >= total:
                sock.sendall(b"\r\n\r\n")
            outcome = _status_line(sock)
        except OSError as exc:
            outcome = f"connection cut by the server ({type(exc).__name__})"
            outcome += f"; it said: {_status_line(sock)}"
    elapsed = time.monotonic() - started
    print(
        f"huge header: sent {sent / 1048576:.2f} of {mib} MiB in {elapsed:.1f} s -> {outcome}; "
        f"server RSS {before} before, {_rss_mib(pid)} after"
    )


def slow_clients(port: int, count: int, seconds: float, pid: int | None) -> None:
    """Each client sends a request line, then one header byte per second, never finishing."""
    before = _rss_mib(pid)
    socks: list[socket.socket] = []
    for _ in range(count):
        sock = socket.create_connection((HOST, port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nX-Slow: ")
        socks.append(sock)
    open_at: dict[int, float] = {}
    started = time.monotonic()
    while time.monotonic() - started < seconds and len(open_at) < count:
        for index, sock in enumerate(socks):
            if index in open_at:
                continue
            try:
                sock.sendall(b"x")
            except OSError:
                open_at[index] = time.monotonic() - started
        time.sleep(1)
    still_open = count - len(open_at)
    # Is the server still answering others meanwhile?
    t0 = time.monotonic()
    with socket.create_connection((HOST, port), timeout=5) as probe:
        probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        answer = _status_line(probe)
    latency = (time.monotonic() - t0) * 1000
    for sock in socks:
        sock.close()
    closed = sorted(open_at.values())
    when = f"closed by the server after {closed[0]:.0f}-{closed[-1]:.0f} s" if closed else ""
    print(
        f"slow clients: {count} opened; after {time.monotonic() - started:.0f} s "
        f"{still_open} still open {when}; a normal request meanwhile: {answer} in "
        f"{latency:.0f} ms; server RSS {before} before, {_rss_mib(pid)} after"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="the server's port on 127.0.0.1")
    parser.add_argument("--pid", type=int, help="the server's process id, to report its memory")
    parser.add_argument("--header-mib", type=int, default=64, help="size of the huge header")
    parser.add_argument("--header-seconds", type=float, default=60, help="time cap for it")
    parser.add_argument("--slow", type=int, default=50, help="number of slow clients")
    parser.add_argument("--slow-seconds", type=float, default=30, help="how long they trickle")
    args = parser.parse_args()
    huge_header(args.port, args.header_mib, args.pid, args.header_seconds)
    slow_clients(args.port, args.slow, args.slow_seconds, args.pid)


if __name__ == "__main__":
    main()
