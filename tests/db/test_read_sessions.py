"""GET requests read in sessions without a transaction of their own on PostgreSQL
(app/db/session.py::reader_of), and those sessions refuse to write."""

import pytest
from sqlalchemy import select, text, update

from app.db.models import Customer
from app.db.session import read_only_work, reader_of
from tests.conftest import IS_POSTGRES

_XID = text("SELECT pg_current_xact_id()::text")


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite keeps its local transactions")
async def test_each_statement_of_a_read_is_its_own_transaction(sessionmaker):
    async with reader_of(sessionmaker)() as session:
        assert await session.scalar(_XID) != await session.scalar(_XID)
    async with sessionmaker() as session:  # a writing request's session: one transaction
        assert await session.scalar(_XID) == await session.scalar(_XID)


async def test_a_read_session_refuses_to_write(sessionmaker):
    async with reader_of(sessionmaker)() as session:
        session.add(Customer(code="NOPE", name="Never written"))
        with pytest.raises(RuntimeError, match="read-only"):
            await session.flush()


async def test_a_get_reads_through_a_read_session(client, factory, users):
    response = await client.get("/api/v1/customers", headers=factory.headers(users["clerk"]))
    assert response.status_code == 200


async def test_a_read_session_refuses_a_write_statement(sessionmaker):
    async with reader_of(sessionmaker)() as session:
        with pytest.raises(RuntimeError, match="read-only"):
            await session.execute(update(Customer).values(name="Never written"))


async def test_a_change_left_in_a_gets_session_raises_instead_of_vanishing(sessionmaker, factory):
    """A GET's session is closed, not committed (read_only_work): a change it still holds at
    the end must fail the request, not be dropped silently."""
    customer = await factory.customer()
    with pytest.raises(RuntimeError, match="read-only"):
        async with read_only_work(reader_of(sessionmaker)) as session:
            loaded = await session.scalar(select(Customer).where(Customer.id == customer.id))
            assert loaded is not None
            loaded.name = "Changed in a GET"
    async with sessionmaker() as session:
        assert (await session.get(Customer, customer.id)).name == customer.name
