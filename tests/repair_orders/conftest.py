import pytest

from tests.repair_orders.helpers import Bench


@pytest.fixture
async def bench(client, factory, users) -> Bench:
    return Bench(client, factory, {**users, "vendor": await factory.vendor()})
