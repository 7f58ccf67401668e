"""Routes are registered flat on the app: a nested router is re-matched on every request."""

from fastapi.routing import APIRoute

from app.main import API_PREFIX


def test_every_route_sits_directly_on_the_app(app):
    api_routes = [r for r in app.routes if isinstance(r, APIRoute)]
    assert all(isinstance(r, APIRoute) or not hasattr(r, "original_router") for r in app.routes)
    paths = {r.path for r in api_routes}
    assert f"{API_PREFIX}/service-orders/{{order_id}}" in paths
    assert "/healthz" in paths
