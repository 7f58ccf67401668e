"""The feed never skips an event that becomes visible later, without ordering the commits
(docs/decisions.md, "The event feed without the lock"): real concurrent transactions on
PostgreSQL, where seqs can commit out of order. SQLite has one writer at a time."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Event
from app.db.session import create_engine
from tests.conftest import DATABASE_URL, IS_POSTGRES, build_app, client_for
from tests.service_orders.helpers import API as ORDERS
from tests.service_orders.helpers import order_body

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="SQLite has a single writer anyway")

FEED = "/api/v1/events"
# Other databases' transactions never hold this feed back, but a busy server can take a moment
# to answer: the "it shows up" checks poll for this long.
SETTLE_SECONDS = 3.0


class Writer:
    """One open transaction that appends events the way the unit of work does."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take_xid(self) -> None:
        await self.session.execute(text("SELECT pg_current_xact_id()"))

    async def append(self, object_type: str = "customer") -> int:
        event = Event(object_type=object_type, object_id=uuid.uuid4(), action="created")
        self.session.add(event)
        await self.session.flush()
        assert event.seq is not None
        return event.seq


@pytest.fixture
async def writers(sessionmaker) -> AsyncIterator[tuple[Writer, Writer]]:
    async with sessionmaker() as first, sessionmaker() as second:
        try:
            yield Writer(first), Writer(second)
        finally:
            await first.rollback()
            await second.rollback()


async def _seqs(client, clerk, **params) -> list[int]:
    response = await client.get(FEED, params={"limit": 200, **params}, headers=clerk)
    assert response.status_code == 200, response.text
    return [e["seq"] for e in response.json()["items"]]


async def _eventually(client, clerk, expected: list[int], **params) -> list[int]:
    deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
    while (seqs := await _seqs(client, clerk, **params)) != expected:
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.02)
    return seqs


async def test_a_higher_seq_waits_for_a_lower_one_that_commits_last(
    client, factory, users, writers
):
    clerk = factory.headers(users["clerk"])
    high, low = writers
    # The writer of the higher seq took its xid first: the xids come in the opposite order of
    # the seqs, which a horizon made of the snapshot's xmax alone would let through.
    await high.take_xid()
    lower = await low.append()
    higher = await high.append()
    assert lower < higher
    await high.session.commit()

    assert await _seqs(client, clerk) == []
    await low.session.commit()
    assert await _eventually(client, clerk, [lower, higher]) == [lower, higher]


async def test_a_rolled_back_lower_seq_leaves_a_gap_the_feed_moves_past(
    client, factory, users, writers
):
    clerk = factory.headers(users["clerk"])
    low, high = writers
    lower = await low.append()
    higher = await high.append()
    await high.session.commit()

    assert await _seqs(client, clerk) == []
    await low.session.rollback()
    assert await _eventually(client, clerk, [higher]) == [higher]
    assert lower not in await _seqs(client, clerk)


async def test_the_cut_holds_for_a_page_of_one_object_type(client, factory, users, writers):
    """The lower seq is of another type, so the filtered page never sees it, and still waits."""
    clerk = factory.headers(users["clerk"])
    low, high = writers
    await low.append("vendor")
    higher = await high.append("customer")
    await high.session.commit()

    assert await _seqs(client, clerk, object_type="customer") == []
    await low.session.commit()
    assert await _eventually(client, clerk, [higher], object_type="customer") == [higher]


async def test_an_open_transaction_without_events_holds_the_feed_until_it_ends(
    client, factory, users, writers
):
    """The price: a writer cannot tell which open transactions will append, so an event waits
    for every transaction of the database that held an xid when its seq was drawn."""
    clerk = factory.headers(users["clerk"])
    bystander, writer = writers
    await bystander.take_xid()
    seq = await writer.append()
    await writer.session.commit()

    assert await _seqs(client, clerk) == []
    await bystander.session.rollback()
    assert await _eventually(client, clerk, [seq]) == [seq]


async def test_a_transaction_in_another_database_does_not_hold_the_feed(
    client, factory, users, writers
):
    """The server's snapshot xmin spans every database; the feed's bound does not."""
    clerk = factory.headers(users["clerk"])
    _, writer = writers
    other_database = make_url(DATABASE_URL).set(database="postgres")
    elsewhere = create_engine(other_database.render_as_string(hide_password=False))
    try:
        async with elsewhere.connect() as other:
            await other.execute(text("SELECT pg_current_xact_id()"))  # older than our writer's
            seq = await writer.append()
            await writer.session.commit()
            assert await _seqs(client, clerk) == [seq]
            await other.rollback()
    finally:
        await elsewhere.dispose()


WRITERS = 20


@pytest.fixture
async def racing_app(engine):
    """An app of its own with a connection for every writer and the reader, so the writers
    really overlap instead of queueing for the suite's small pool."""
    racing_engine = create_engine(DATABASE_URL, pool_size=WRITERS + 2, max_overflow=0)
    yield build_app(racing_engine)
    await racing_engine.dispose()


async def test_a_reader_paging_under_concurrent_writers_misses_nothing(racing_app, factory, users):
    clerk = factory.headers(users["clerk"])
    customer = await factory.customer()
    writers_done = asyncio.Event()

    async with client_for(racing_app) as writer_client, client_for(racing_app) as reader:

        async def create_order() -> None:
            response = await writer_client.post(ORDERS, json=order_body(customer.id), headers=clerk)
            assert response.status_code == 201, response.text

        async def write_all() -> None:
            try:
                await asyncio.gather(*(create_order() for _ in range(WRITERS)))
            finally:
                writers_done.set()

        async def page_until_caught_up() -> list[int]:
            seen: list[int] = []
            after = 0
            while True:
                # Every writer has committed before this page's snapshot: an empty page now
                # means the reader has caught up with all of them.
                last_round = writers_done.is_set()
                params = {"after": after, "limit": 3}
                page = (await reader.get(FEED, params=params, headers=clerk)).json()
                seen += [e["seq"] for e in page["items"]]
                after = page["next_after"] or after
                if not page["items"]:
                    if last_round:
                        return seen
                    await asyncio.sleep(0.005)

        seen, _ = await asyncio.gather(page_until_caught_up(), write_all())
        everything = await _seqs(reader, clerk)

    assert len(everything) >= WRITERS
    assert seen == everything
    assert len(set(seen)) == len(seen)
