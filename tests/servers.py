"""Helpers for tests that start real processes: a free loopback port, the `aftercare` command,
and waiting for a started server to answer."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def aftercare_command() -> list[str]:
    """The installed `aftercare` script, or the module when run from a bare checkout."""
    script = Path(sys.executable).with_name("aftercare")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def wait_until_answering(
    url: str, process: subprocess.Popen[bytes], seconds: float = 30, log: Path | None = None
) -> None:
    """Return once `url` answers 200; fail if the process exits or the time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    tail = log.read_text()[-2000:] if log and log.exists() else ""
    raise AssertionError(f"{url} did not answer within {seconds} s (exit {process.poll()}): {tail}")
