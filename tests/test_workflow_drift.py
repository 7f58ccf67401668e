"""Drift: every workflow action has exactly one handler and one POST route, every action
route's action exists, and the route is named after the action it performs."""

import re

from fastapi import routing
from fastapi.routing import APIRoute

from app.domain.workflow import all_workflows
from app.main import create_app
from tests.conftest import make_settings

# Where each workflow's actions live. A new workflow must add itself here (the first test fails
# until it does), so none can ship without its routes being checked.
RESOURCES = {
    "service_order": "/api/v1/service-orders",
    "complaint": "/api/v1/complaints",
    "visit": "/api/v1/visits",
    "repair_order": "/api/v1/repair-orders",
    "external_repair": "/api/v1/external-repairs",
    "case": "/api/v1/cases",
}
# POSTs below an object that are not workflow actions.
SUBRESOURCES = {"records", "parts"}


def _action_routes(prefix: str) -> dict[str, list[str]]:
    pattern = re.compile(re.escape(prefix) + r"/\{[a-z_]+\}/([a-z_]+)$")
    found: dict[str, list[str]] = {}
    for route in routing.iter_route_contexts(create_app(make_settings()).routes):
        if not isinstance(route.original_route, APIRoute) or "POST" not in (route.methods or ()):
            continue
        matched = pattern.match(route.path_format or "")
        if matched and matched[1] not in SUBRESOURCES:
            found.setdefault(matched[1], []).append(route.name)
    return found


def test_every_registered_workflow_has_its_routes_checked():
    assert {w.name for w in all_workflows()} == set(RESOURCES)


def test_every_action_has_one_handler_and_one_route_named_after_it():
    for table in all_workflows():
        assert table.unhandled() == [], table.name
        routes = _action_routes(RESOURCES[table.name])
        assert set(routes) == set(table.actions), table.name
        for action, names in routes.items():
            assert len(names) == 1, (action, names)
            assert names[0].startswith(f"{action}_"), (action, names)
