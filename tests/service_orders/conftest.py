import pytest

from tests.service_orders.desk import Desk


@pytest.fixture
def desk(client, factory, users) -> Desk:
    return Desk(client, factory, users)
