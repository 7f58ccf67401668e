"""The container files describe what the README promises."""

import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_runs_api_with_postgres_16_healthcheck_and_volume():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, api = compose["services"]["db"], compose["services"]["api"]
    assert db["image"].startswith("postgres:16")
    assert "healthcheck" in db
    assert any(v.startswith("pgdata:") for v in db["volumes"])
    assert "pgdata" in compose["volumes"]
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert api["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")


def test_compose_config_is_accepted_by_docker_compose():
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, check=False)
        if probe.returncode != 0:
            continue
        result = subprocess.run(
            [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
            capture_output=True,
            text=True,
            check=False,
            env={"SECRET_KEY": "x" * 40, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        )
        assert result.returncode == 0, result.stderr
        return
    pytest.skip("no docker compose on this machine; structure checked by the test above")


def test_dockerfile_runs_as_non_root_and_migrates_before_serving():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-slim" in dockerfile
    assert "\nUSER aftercare" in dockerfile
    assert "aftercare migrate && exec aftercare serve" in dockerfile


def _healthcheck_probe() -> str:
    [line] = [
        ln for ln in (ROOT / "Dockerfile").read_text().splitlines() if ln.startswith("HEALTHCHECK")
    ]
    command = line.split(" CMD ", 1)[1]
    assert command.startswith('python -c "') and command.endswith('"'), command
    return command.removeprefix('python -c "').removesuffix('"')


def test_the_healthcheck_probes_the_configured_port(tmp_path):
    class Healthz(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        probe = _healthcheck_probe()
        assert "8000" not in probe

        def run(port_setting: int) -> int:
            env = {**os.environ, "PORT": str(port_setting)}
            return subprocess.run(
                [sys.executable, "-c", probe], env=env, capture_output=True, check=False, timeout=10
            ).returncode

        assert run(port) == 0
    finally:
        server.shutdown()
        server.server_close()
    assert run(port) != 0  # nothing listens there any more: unhealthy
