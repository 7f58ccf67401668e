"""A Python client generated from openapi/openapi.json by openapi-python-client works unedited.

It logs in, creates an order, and gets typed `Problem` objects back (not exceptions) for a 404,
a 409 and a 422. `raise_on_unexpected_status` is on, so any status the contract does not name
fails here.
"""

import importlib
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.conftest import IS_POSTGRES
from tests.support import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="the generated code does not depend on it")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("pyclient")
    tool = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            str(ROOT / "openapi/openapi.json"),
            "--output-path",
            str(out / "aftercare_client"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout  # nothing of the contract was skipped
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module("aftercare_client")
    finally:
        sys.path.remove(str(out))


def _module(name: str) -> Any:
    return importlib.import_module(f"aftercare_client.{name}")


def _in_process(app: Any) -> dict[str, Any]:
    """The generated client's own httpx settings, pointed at the app in this process."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return {
        "base_url": "http://test",
        "raise_on_unexpected_status": True,
        "httpx_args": {"transport": transport},
    }


async def test_generated_client_logs_in_creates_and_gets_typed_problems(
    generated, app, factory, users
):
    client_mod, models = generated.client, _module("models")
    issue_token = _module("api.auth.auth_issue_token")
    create_order = _module("api.service_orders.service_orders_create_service_order")
    get_order = _module("api.service_orders.service_orders_get_service_order")
    close_order = _module("api.service_orders.service_orders_close_service_order")

    anonymous = client_mod.Client(**_in_process(app))
    login = await issue_token.asyncio_detailed(
        client=anonymous,
        body=models.BodyAuthIssueToken(username=users["clerk"].email, password=PASSWORD),
    )
    assert isinstance(login.parsed, models.TokenResponse), login.content
    api = client_mod.AuthenticatedClient(token=login.parsed.access_token, **_in_process(app))

    customer = await factory.customer()
    created = await create_order.asyncio_detailed(
        client=api,
        body=models.ServiceOrderCreate(
            kind=models.OrderKind.REMOTE,
            channel=models.OrderChannel.PHONE,
            customer_id=customer.id,
            subject="Printer jams",
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    order = created.parsed
    assert isinstance(order, models.ServiceOrderRead), created.content
    assert order.status == "new" and created.headers["ETag"] == f'"{order.version}"'

    missing = await get_order.asyncio_detailed(client=api, order_id=uuid.uuid4())
    assert isinstance(missing.parsed, models.Problem)
    assert (missing.status_code, missing.parsed.code) == (404, "not_found")

    wrong_state = await close_order.asyncio_detailed(client=api, order_id=order.id)
    assert isinstance(wrong_state.parsed, models.Problem)
    assert (wrong_state.status_code, wrong_state.parsed.code) == (409, "invalid_transition")
    assert "assign" in wrong_state.parsed.allowed_actions

    invalid = await create_order.asyncio_detailed(
        client=api,
        body=models.ServiceOrderCreate(
            kind=models.OrderKind.REMOTE,
            channel=models.OrderChannel.PHONE,
            customer_id=customer.id,
            subject="x" * 1000,
        ),
    )
    assert isinstance(invalid.parsed, models.Problem)
    assert (invalid.status_code, invalid.parsed.code) == (422, "validation_error")
    assert [e.field for e in invalid.parsed.errors] == ["subject"]
