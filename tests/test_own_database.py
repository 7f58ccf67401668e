"""The suite uses a database of its own and never one it did not create."""

import os
import re

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import DATABASE_URL, IS_POSTGRES

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="SQLite uses a file in a new temp dir")


async def test_postgres_database_is_a_new_uniquely_named_one(engine: AsyncEngine) -> None:
    given = make_url(os.environ["TEST_DATABASE_URL"]).database or "aftercare_test"
    used = make_url(DATABASE_URL).database
    assert used is not None
    assert used != given
    assert re.fullmatch(re.escape(given) + r"_[0-9a-f]{8}", used)
    async with engine.connect() as conn:
        assert await conn.scalar(text("select current_database()")) == used
