"""scripts/walkthrough.py (both service processes, as the README's demo users) passes against a
server started the way `make run` starts it: migrate, seed-demo, serve."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES
from tests.servers import aftercare_command, free_port, wait_until_answering

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="one backend is enough for the script")


def test_walkthrough_passes_against_a_fresh_demo_server(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "AFTERCARE_ENV": "test",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
        "PASSWORD_HASH_PROFILE": "fast",
    }
    for step in (["migrate"], ["seed-demo"]):
        done = subprocess.run(
            [*aftercare_command(), *step],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    server = subprocess.Popen(
        [*aftercare_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/healthz", server)
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
