"""The app as it runs in production: migrated with `aftercare migrate`, served by a uvicorn
subprocess on a free port, talking to a given database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers import free_port

_BIN = Path(sys.executable).parent
PASSWORD = "fault-test-password"


class AppServer:
    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "AFTERCARE_ENV": "test",
            "PASSWORD_HASH_PROFILE": "fast",
            "DATABASE_URL": database_url,
            # The SLA watcher scans every second, so it meets every fault too.
            "SLA_WORKER_IN_PROCESS": "true",
            "SLA_WORKER_INTERVAL_SECONDS": "1",
        }
        self._process: subprocess.Popen[bytes] | None = None

    def _aftercare(self, *args: str) -> None:
        subprocess.run(
            [str(_BIN / "aftercare"), *args],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def prepare(self, email: str) -> None:
        self._aftercare("migrate")
        self._aftercare(
            "create-user",
            "--email",
            email,
            "--password",
            PASSWORD,
            "--role",
            "clerk",
            "--name",
            "Fault test",
        )

    def start(self) -> None:
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "app.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready within 30 s")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
