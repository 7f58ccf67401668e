import pytest

from app.db.models import User
from tests.support import Factory


@pytest.fixture
async def clerk(factory: Factory) -> User:
    """Just an office user, for tests that need no other role (cheaper than `users`)."""
    return await factory.user("clerk")
