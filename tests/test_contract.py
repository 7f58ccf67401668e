"""The committed OpenAPI file and the migrations must match the code."""

import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from openapi_spec_validator import validate

from app.db.models import metadata
from app.db.models.indexes import managed_by_models
from app.main import create_app
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[1]


def test_committed_openapi_is_current():
    generated = json.dumps(create_app(make_settings()).openapi(), indent=2, ensure_ascii=False)
    committed = (ROOT / "openapi" / "openapi.json").read_text()
    assert committed == generated + "\n", "openapi/openapi.json is stale: run `make openapi`"


def test_openapi_validates_as_3_1():
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_operation_ids_are_tag_and_function_name():
    spec = create_app(make_settings()).openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            tag = operation["tags"][0]
            assert operation["operationId"].startswith(f"{tag}-"), (method, path)


async def test_migrations_match_models(engine):
    def diff(connection):
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": lambda name, type_, _: managed_by_models(name, type_),
            },
        )
        return compare_metadata(context, metadata)

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == [], f"models and migrations disagree; autogenerate would emit: {changes}"


def _operations(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_errors_are_documented_as_one_problem_schema():
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert {"type", "title", "status", "detail", "code"} <= set(
        spec["components"]["schemas"]["Problem"]["required"]
    )
    for path, method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")) and path != "/readyz":
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, status)
            if status in ("429", "503") and path != "/readyz":
                assert "Retry-After" in response.get("headers", {}), (method, path, status)


def test_every_operation_names_the_statuses_its_dependencies_can_cause():
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    for path, method, operation in _operations(spec):
        statuses = set(operation["responses"])
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if not path.startswith(("/healthz", "/metrics")):
            assert "503" in statuses, (method, path)
        if operation.get("security") and {} not in operation["security"]:
            assert "401" in statuses, (method, path)
        if "{" in path:
            assert {"404", "422"} <= statuses, (method, path)
        if method == "post":
            assert {"400", "409", "422"} <= statuses, (method, path)
            assert headers["Idempotency-Key"]["required"] is False
        if method == "patch":
            assert {"412", "428"} <= statuses, (method, path)
            assert headers["If-Match"]["required"] is True
        if "If-Match" in headers:
            assert "412" in statuses, (method, path)


def test_versioned_answers_declare_their_etag():
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    ok = spec["paths"]["/api/v1/service-orders/{order_id}/start"]["post"]["responses"]["200"]
    assert {"ETag", "Idempotent-Replayed"} <= set(ok["headers"])
    assert (
        "ETag"
        in spec["paths"]["/api/v1/customers/{customer_id}"]["get"]["responses"]["200"]["headers"]
    )


def test_token_endpoint_client_authentication_is_optional_and_metrics_are_text():
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert {} in spec["paths"]["/api/v1/auth/token"]["post"]["security"]
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain"]


def test_every_sort_parameter_is_an_enum_of_the_lists_own_keys():
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    sorts = [
        (path, parameter["schema"])
        for path, _, operation in _operations(spec)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "sort"
    ]
    assert len(sorts) >= 6
    for path, schema in sorts:
        assert "created_at" in schema["enum"] and "-created_at" in schema["enum"], path
    orders = dict(sorts)["/api/v1/service-orders"]["enum"]
    assert {"number", "-priority"} <= set(orders)


def test_every_schema_has_its_own_name():
    # Two models of one class name in different modules get FastAPI's module-path names
    # ("app__domain__…__AssignBody"), which generated clients refuse as duplicates.
    schemas = create_app(make_settings()).openapi()["components"]["schemas"]
    assert [name for name in schemas if "__" in name] == []
