"""scripts/walkthrough.py (both service processes, as the README's demo users) passes against a
server started the way `make run` starts it: migrate, seed-demo, serve."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import IS_POSTGRES

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="one backend is enough for the script")


def _aftercare() -> list[str]:
    script = Path(sys.executable).with_name("aftercare")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def test_walkthrough_passes_against_a_fresh_demo_server(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "AFTERCARE_ENV": "test",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
        "PASSWORD_HASH_PROFILE": "fast",
    }
    for step in (["migrate"], ["seed-demo"]):
        done = subprocess.run(
            [*_aftercare(), *step],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    server = subprocess.Popen(
        [*_aftercare(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        walk = subprocess.run(
            [sys.executable, str(ROOT / "scripts/walkthrough.py"), "--url", base],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert walk.returncode == 0, walk.stdout + walk.stderr
    assert walk.stdout.strip().endswith("walkthrough passed")
