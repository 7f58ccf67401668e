import pytest

from tests.service_orders.desk import Desk


@pytest.fixture
def desk(client, factory, users) -> Desk:
    """Service orders driven over HTTP (the orders a callback is about)."""
    return Desk(client, factory, users)
