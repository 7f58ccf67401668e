"""The committed OpenAPI file and the migrations must match the code."""

import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from openapi_spec_validator import validate

from app.db.models import metadata
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
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, metadata)

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == [], f"models and migrations disagree; autogenerate would emit: {changes}"
