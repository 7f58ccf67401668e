"""TypeScript types generated from openapi/openapi.json (openapi-typescript) compile a typed
client (clients/typescript/src/client.ts: log in, list orders, an action, a problem's code,
detail and errors) under `tsc --strict`. Node comes from Debian packages; outside CI the test
skips without it, under CI=true it fails."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "clients" / "typescript"
pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="the generated code does not depend on it")


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true needs node and npm (apt-get install nodejs npm)")
        pytest.skip("no npm installed (apt-get install nodejs npm)")
    return npm


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=PROJECT, capture_output=True, text=True, timeout=300, check=False
    )


def test_generated_types_compile_a_strict_typed_client() -> None:
    npm = _npm()
    installed = PROJECT / "node_modules" / ".package-lock.json"
    lock = PROJECT / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        result = _run(npm, "ci", "--no-audit", "--no-fund")
        assert result.returncode == 0, result.stdout + result.stderr
    result = _run(npm, "run", "-s", "check")
    assert result.returncode == 0, result.stdout + result.stderr
