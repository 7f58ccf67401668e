"""The container files describe what the README promises."""

import shutil
import subprocess
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
