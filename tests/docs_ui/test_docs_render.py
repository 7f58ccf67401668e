"""/docs and /redoc render in a real headless browser with no network: the app serves the assets.

The browser is Chromium from Debian packages. Outside CI the test skips when none is installed;
under CI=true a missing browser is a failure (.ci/run installs it).
"""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, wait_until_answering

_BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _browser() -> str:
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true needs a headless Chromium (apt-get install chromium)")
    pytest.skip("no Chromium installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    db = tmp_path_factory.mktemp("docs") / "docs.db"
    env = {
        **os.environ,
        "AFTERCARE_ENV": "test",
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "SLA_WORKER_IN_PROCESS": "false",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/healthz", proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _render(url: str) -> str:
    """The DOM after the page's scripts ran; the browser is cut off from every other host."""
    result = subprocess.run(
        [
            _browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=127.0.0.1",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_pages_reference_only_assets_the_app_serves(server: str) -> None:
    for page in ("/docs", "/redoc"):
        html = httpx.get(server + page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets, page
        for asset in assets:
            assert asset.startswith("/docs-assets/"), (page, asset)
            assert httpx.get(server + asset).status_code == 200, asset


def _operation_count(server: str) -> int:
    spec = httpx.get(server + "/openapi.json").json()
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(1 for item in spec["paths"].values() for method in item if method in methods)


def test_swagger_ui_renders_every_operation_and_the_authorize_button(server: str) -> None:
    dom = _render(server + "/docs")
    assert dom.count('class="opblock ') == _operation_count(server), dom[:2000]
    assert "/api/v1/service-orders" in dom
    assert "btn authorize" in dom  # the OAuth2 password form behind it comes from the document


def test_redoc_renders_every_operation(server: str) -> None:
    dom = _render(server + "/redoc")
    assert dom.count('data-section-id="operation/') == _operation_count(server), dom[:2000]
    assert "Aftercare API" in dom
