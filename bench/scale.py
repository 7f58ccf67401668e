"""`make bench-scale`: every list query at 10,000 and at 1,000,000 service orders, with plans.

    .venv/bin/python bench/scale.py [--sizes 10000,1000000] [--repeat 5] [--label current]
        [--only "me/work,q="]   (measure only the scenarios whose names contain one of these)

1. a throwaway PostgreSQL cluster of its own (bench/run.py's Cluster), migrated with
   `aftercare migrate`;
2. 20,000 customers, 60 engineers, a clerk, a supervisor and one customer user, then orders
   seeded set-based (`INSERT … SELECT … generate_series`) through the project's own tables over
   two years, with the history a real order has: a "created" event for each, an "assigned"
   event by the engineer for those assigned (and the participants rows the app writes with
   them), and an SLA pause for one in twenty; the filtered pages are like for like at every
   size (a key account, a word in 100 orders, the last 460 changes: see KEY_ACCOUNT_SHARE);
3. the app in process (httpx ASGI transport, production code path, no server) answering each
   measured request `--repeat` times, round by round over all of them; the fastest run is
   reported (the VM's interference only ever slows a run down, and the median of a 7 ms
   request differed up to twofold between two runs of the same code), and the slowest SQL
   statement of that request is run three more times under `EXPLAIN (ANALYZE, BUFFERS)`
   (the median execution time is the second figure: the request's time also holds the app's
   fixed per-request Python);
4. the table of those times at each size and the ratios largest / smallest, printed and
   written to bench/RESULTS.md (section `scale: <label>`); the plans at the largest size go to
   bench/SCALE_PLANS.md.
"""

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, Cluster, commit, machine, server_env, write_results

PLANS = ROOT / "bench" / "SCALE_PLANS.md"
CUSTOMERS = 20_000
ENGINEERS = 60
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SPAN_DAYS = 730
# Like-for-like pages at every size, so a ratio measures the table's size and not how many
# rows the page holds: customer C000001 (the customer user's company) is a key account with
# one order in a hundred; one word is in the same 100 orders at every size; the delta-sync
# window holds the same number of changes at every size (the seed spreads each size over
# the same two years, so a fixed window would hold a hundred times more at a million); the
# engineer whose lists are read is a busy one, with a tenth of the orders.
KEY_ACCOUNT_SHARE = 100
RARE_WORD, RARE_WORD_ORDERS = "overheats", 100
DELTA_CHANGES = 460

# One order in ten is open; the rest closed or cancelled, as in a department two years on.
STATUS_CASE = """CASE
    WHEN g % 100 < 3 THEN 'new' WHEN g % 100 < 6 THEN 'assigned'
    WHEN g % 100 < 8 THEN 'in_progress' WHEN g % 100 < 9 THEN 'on_hold'
    WHEN g % 100 < 10 THEN 'reported' WHEN g % 100 < 12 THEN 'confirmed'
    WHEN g % 100 < 97 THEN 'closed' ELSE 'cancelled' END"""


def pg_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def seed_people(url: str) -> dict[str, Any]:
    import asyncpg

    conn = await asyncpg.connect(pg_url(url))
    try:
        await conn.execute(
            "INSERT INTO customers (id, created_at, updated_at, version, code, name) "
            "SELECT gen_random_uuid(), now(), now(), 1, 'C' || lpad(g::text, 6, '0'), "
            "'Customer ' || g FROM generate_series(1, $1) g",
            CUSTOMERS,
        )
        customer = await conn.fetchval("SELECT id FROM customers WHERE code = 'C000001'")
        user_cols = await _required_columns(conn, "users")
        for role, count in (("engineer", ENGINEERS), ("clerk", 1), ("supervisor", 1)):
            await conn.execute(
                f"INSERT INTO users ({', '.join(user_cols)}) SELECT "
                + ", ".join(_user_expr(c, role) for c in user_cols)
                + " FROM generate_series(1, $1) g",
                count,
            )
        await conn.execute(
            f"INSERT INTO users ({', '.join(user_cols)}) SELECT "
            + ", ".join(_user_expr(c, "customer") for c in user_cols)
            + " FROM generate_series(1, 1) g"
        )
        await conn.execute("UPDATE users SET customer_id = $1 WHERE role = 'customer'", customer)
        users = {r["email"]: r["id"] for r in await conn.fetch("SELECT id, email FROM users")}
        logins = {}
        for email, uid in users.items():
            logins[email] = await conn.fetchval(
                "INSERT INTO token_families (id, user_id, created_at) VALUES "
                "(gen_random_uuid(), $1, now()) RETURNING id",
                uid,
            )
        return {"customer": customer, "users": users, "logins": logins}
    finally:
        await conn.close()


async def _required_columns(conn: Any, table: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
        "AND is_nullable = 'NO' AND column_default IS NULL ORDER BY ordinal_position",
        table,
    )
    return [r["column_name"] for r in rows]


def _user_expr(column: str, role: str) -> str:
    return {
        "id": "gen_random_uuid()",
        "created_at": "now()",
        "updated_at": "now()",
        "version": "1",
        "email": f"'{role}' || g || '@scale.test'",
        "name": f"'{role.title()} ' || g",
        "role": f"'{role}'",
        "active": "true",
        "service_account": "false",
        "failed_logins": "0",
        "authority_level": "1",
    }[column]


async def seed_orders(url: str, start: int, stop: int) -> None:
    """Orders start+1 … stop, set-based, with their events and pauses; then ANALYZE."""
    import asyncpg

    conn = await asyncpg.connect(pg_url(url))
    try:
        required = set(await _required_columns(conn, "service_orders"))
        known = {
            "id", "created_at", "updated_at", "version", "number", "kind", "channel",
            "customer_id", "subject", "priority", "status", "sla_state",
        }  # fmt: skip
        if required - known:
            raise SystemExit(f"scale.py does not know how to fill {sorted(required - known)}")
        await conn.execute(
            f"""
            WITH c AS (SELECT array_agg(id ORDER BY code) AS ids FROM customers),
                 e AS (SELECT array_agg(id ORDER BY email) AS ids FROM users
                       WHERE role = 'engineer')
            INSERT INTO service_orders (id, created_at, updated_at, version, number, kind,
                channel, customer_id, subject, description, priority, status, sla_state,
                assignee_id, due_at, response_due_at, responded_at, closed_at)
            SELECT gen_random_uuid(), t.created, t.created + interval '2 hours', 1,
                'SO-' || (2024 + g % 3) || '-' || lpad(g::text, 7, '0'),
                CASE WHEN g % 3 = 0 THEN 'onsite' ELSE 'remote' END, 'phone',
                CASE WHEN g % {KEY_ACCOUNT_SHARE} = 0 THEN c.ids[1]
                     ELSE c.ids[1 + (g::bigint * 7919) % {CUSTOMERS}] END,
                'Printer ' || (g % 997) || ' jams on page ' || (g % 13),
                'Model X' || (g % 211) || ', serial S' || g
                    || CASE WHEN g <= {RARE_WORD_ORDERS * 100} AND g % 100 = 7
                            THEN ', {RARE_WORD}' ELSE '' END,
                (ARRAY['low','normal','high','urgent'])[1 + g % 4], t.status,
                CASE WHEN g % 50 = 0 THEN 'breached' WHEN g % 23 = 0 THEN 'warning'
                     ELSE 'ok' END,
                -- Hashed, not g % 60: the status comes from g % 100, and the two shared a
                -- factor, so 13 engineers in 20 never had an open order. The first engineer
                -- is the busy one (a tenth of the orders), whose own list and my work the
                -- bench reads.
                CASE WHEN t.status = 'new' THEN NULL
                     WHEN abs(hashtext(g::text)) % 10 = 0 THEN e.ids[1]
                     ELSE e.ids[1 + abs(hashtext(g::text || 'e')) % {ENGINEERS}] END,
                t.created + interval '3 days', t.created + interval '4 hours',
                CASE WHEN t.status IN ('new', 'assigned') THEN NULL
                     ELSE t.created + interval '1 hour' END,
                CASE WHEN t.status = 'closed' THEN t.created + interval '2 days' END
            FROM generate_series($1::int + 1, $2::int) g, c, e,
                LATERAL (SELECT $3::timestamptz - ((($2::int - g) * {SPAN_DAYS * 86400}::bigint
                                / $2::int) || ' seconds')::interval AS created,
                                {STATUS_CASE} AS status) t
            """,
            start,
            stop,
            NOW,
        )
        # The history: a "created" event by the clerk for each, "assigned" for the assigned.
        clerk = await conn.fetchval("SELECT id FROM users WHERE role = 'clerk'")
        fresh = "FROM service_orders o WHERE o.number >= 'SO-' AND o.created_at <= $1"
        # Nothing else writes while the history is seeded, so its rows need no horizon (NULL
        # is settled): the per-row trigger would add ~60 µs to each of millions of rows.
        await conn.execute("ALTER TABLE events DISABLE TRIGGER events_position")
        seq = "nextval(pg_get_serial_sequence('events', 'seq'))"
        await conn.execute(
            "INSERT INTO events (seq, occurred_at, actor_id, object_type, object_id, customer_id, "
            "action, to_status, changes, public) SELECT "
            + seq
            + ", o.created_at, $2, 'service_order', o.id, "
            "o.customer_id, 'created', 'new', '{}'::json, true "
            + fresh
            + " AND NOT EXISTS (SELECT 1 FROM events v WHERE v.object_id = o.id)",
            NOW,
            clerk,
        )
        await conn.execute(
            "INSERT INTO events (seq, occurred_at, actor_id, object_type, object_id, "
            "customer_id, action, from_status, to_status, changes, public) SELECT " + seq + ", "
            "o.created_at + interval "
            "'1 hour', o.assignee_id, 'service_order', o.id, o.customer_id, 'start', "
            "'assigned', 'in_progress', '{}'::json, true "
            + fresh
            + " AND o.assignee_id IS NOT NULL AND o.status <> 'assigned' AND NOT EXISTS "
            "(SELECT 1 FROM events v WHERE v.object_id = o.id AND v.action = 'start')",
            NOW,
        )
        # What the app writes with each event of a staff user: they worked on the order (since
        # the participants table exists; a run of an older commit has none).
        if await conn.fetchval("SELECT to_regclass('participants') IS NOT NULL"):
            await conn.execute(
                "INSERT INTO participants (user_id, object_type, object_id, object_created_at) "
                "SELECT DISTINCT e.actor_id, e.object_type, e.object_id, o.created_at "
                "FROM events e JOIN service_orders o ON o.id = e.object_id "
                "WHERE e.object_type = 'service_order' AND e.actor_id IS NOT NULL "
                "ON CONFLICT DO NOTHING"
            )
        await conn.execute("ALTER TABLE events ENABLE TRIGGER events_position")
        await conn.execute(
            "INSERT INTO sla_pauses (id, order_id, kind, started_at, ended_at) "
            "SELECT gen_random_uuid(), o.id, 'hold', o.created_at + interval '90 minutes', "
            "CASE WHEN o.status = 'on_hold' THEN NULL ELSE o.created_at + interval '5 hours' END "
            "FROM service_orders o WHERE (o.status = 'on_hold' OR hashtext(o.number) % 20 = 0) "
            "AND NOT EXISTS (SELECT 1 FROM sla_pauses p WHERE p.order_id = o.id)"
        )
        await conn.execute(
            "UPDATE service_orders o SET has_pauses = true WHERE NOT o.has_pauses "
            "AND EXISTS (SELECT 1 FROM sla_pauses p WHERE p.order_id = o.id)"
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


class Statements:
    """The SQL each request sends, so the slowest one can be explained."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.on = False

    def __call__(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.on:
            self.seen.append((statement, params))

    @contextmanager
    def capture(self) -> Iterator[list[tuple[str, Any]]]:
        self.seen = []
        self.on = True
        try:
            yield self.seen
        finally:
            self.on = False


def scenarios(people: dict[str, Any], sample: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, who, path) for every list filter, a deep cursor, `q`, my work."""
    recent = sample["changed_after"].isoformat().replace("+00:00", "Z")
    return [
        ("first page (default sort)", "clerk", "/service-orders"),
        ("first page, newest first", "clerk", "/service-orders?sort=-created_at"),
        ("status=in_progress", "clerk", "/service-orders?status=in_progress"),
        ("status=new&status=assigned", "clerk", "/service-orders?status=new&status=assigned"),
        ("overdue=true", "clerk", "/service-orders?overdue=true"),
        ("priority=urgent", "clerk", "/service-orders?priority=urgent"),
        (
            "customer_id= (a key account)",
            "clerk",
            f"/service-orders?customer_id={people['customer']}",
        ),
        ("assignee_id=", "clerk", f"/service-orders?assignee_id={sample['assignee_id']}"),
        (
            f"updated_after= (the last {DELTA_CHANGES} changes)",
            "clerk",
            f"/service-orders?updated_after={recent}",
        ),
        ("number= (exact)", "clerk", f"/service-orders?number={sample['number']}"),
        ("q= an order number", "clerk", f"/service-orders?q={sample['number']}"),
        (f"q= a word in {RARE_WORD_ORDERS} orders", "clerk", f"/service-orders?q={RARE_WORD}"),
        ("sort=due_at", "clerk", "/service-orders?sort=due_at"),
        ("cursor in the middle", "clerk", "/service-orders?sort=-created_at&cursor={middle}"),
        ("a customer's own list", "customer", "/service-orders"),
        ("an engineer's own list", "engineer", "/service-orders"),
        ("an engineer's /users/me/work", "engineer", "/users/me/work"),
        ("a clerk's /users/me/work", "clerk", "/users/me/work"),
        ("a supervisor's /users/me/work", "supervisor", "/users/me/work"),
    ]


async def measure(
    url: str, people: dict[str, Any], repeat: int, only: list[str] | None = None
) -> dict[str, tuple[float, str, int | None]]:
    import asyncpg
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from app.auth.tokens import create_access_token
    from app.config import Settings
    from app.db.session import create_engine, create_sessionmaker
    from app.domain.pagination import _encode
    from app.main import create_app

    def wanted(name: str) -> bool:
        return not only or any(o in name for o in only)

    os.environ.update(server_env(url))
    settings = Settings(sla_worker_in_process=False)
    engine = create_engine(url)
    app = create_app(settings)
    logging.getLogger().setLevel(logging.WARNING)  # no access log line per measured request
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    statements = Statements()
    event.listen(Engine, "before_cursor_execute", statements)

    conn = await asyncpg.connect(pg_url(url))
    sample = dict(
        await conn.fetchrow(
            "SELECT assignee_id, number FROM service_orders "
            "WHERE assignee_id IS NOT NULL ORDER BY number LIMIT 1 OFFSET "
            "(SELECT count(*) / 3 FROM service_orders WHERE assignee_id IS NOT NULL)"
        )
    )
    sample["changed_after"] = await conn.fetchval(
        "SELECT updated_at FROM service_orders ORDER BY updated_at DESC LIMIT 1 OFFSET $1",
        DELTA_CHANGES,
    )
    middle = await conn.fetchrow(
        "SELECT created_at, id FROM service_orders ORDER BY created_at DESC, id DESC "
        "LIMIT 1 OFFSET (SELECT count(*) / 2 FROM service_orders)"
    )
    engineer_email = await conn.fetchval(
        "SELECT email FROM users WHERE role = 'engineer' ORDER BY email LIMIT 1"
    )
    who = {
        "clerk": "clerk1@scale.test",
        "customer": "customer1@scale.test",
        "supervisor": "supervisor1@scale.test",
    }
    who["engineer"] = engineer_email
    tokens = {
        role: create_access_token(settings, people["users"][email], people["logins"][email])[0]
        for role, email in who.items()
    }
    cursor = _encode("-created_at", middle["created_at"], middle["id"])
    results: dict[str, tuple[float, str, int | None]] = {}
    transport = httpx.ASGITransport(app=app)
    chosen = [
        (name, path.replace("{middle}", cursor), {"Authorization": f"Bearer {tokens[role]}"})
        for name, role, path in scenarios(people, sample)
        if wanted(name)
    ]
    timings: dict[str, list[float]] = {name: [] for name, _, _ in chosen}
    last: dict[str, tuple[list[tuple[str, Any]], httpx.Response]] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://scale/api/v1") as client:
        # Round by round over all the requests, so a slow spell of the VM falls on every
        # request alike instead of on the few measured during it.
        for _ in range(repeat):
            for name, path, headers in chosen:
                with statements.capture() as seen:
                    t0 = time.perf_counter()
                    r = await client.get(path, headers=headers)
                    timings[name].append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"{name}: {r.status_code} {r.text[:300]}")
                last[name] = (seen, r)
    for name, _, _ in chosen:
        seen, r = last[name]
        plan = await _explain(conn, seen)
        # The page's size: a page that is nearly empty at the small size and full at the
        # large one costs its rows' Python (~0.1 ms each) on top of any SQL.
        results[name] = (min(timings[name]), plan, len(r.json().get("items", [])))
        print(
            f"  {name:34} {results[name][0]:8.1f} ms  SQL {_sql_ms(plan):7.2f} ms"
            f"  generic plan {_generic_ms(plan):7.2f} ms",
            flush=True,
        )
    if wanted("SLA watcher scan"):
        results["SLA watcher scan"] = await _measure_scan(app, conn, statements, repeat)
    await conn.close()
    event.remove(Engine, "before_cursor_execute", statements)
    await engine.dispose()
    return results


async def _measure_scan(
    app: Any, conn: Any, statements: Statements, repeat: int
) -> tuple[float, str, int | None]:
    from app.domain.service_orders.sla_worker import scan_once

    timings = []
    for _ in range(repeat):
        async with app.state.sessionmaker() as session:
            with statements.capture() as seen:
                t0 = time.perf_counter()
                await scan_once(session, now=NOW - timedelta(days=3650))
                timings.append((time.perf_counter() - t0) * 1000)
            await session.rollback()
    plan = await _explain(conn, seen)
    print(f"  {'SLA watcher scan':34} {min(timings):8.1f} ms", flush=True)
    return min(timings), plan, None


async def _explain(conn: Any, seen: list[tuple[str, Any]]) -> str:
    """EXPLAIN ANALYZE of the slowest statement that reads the orders: each is run three times
    and judged by its median run (a statement's first run on a connection also loads the
    catalogue entries it needs, which on a busy machine can take longer than the query)."""
    best: tuple[str, float, str, list[Any]] = ("", -1.0, "", [])
    for statement, params in seen:
        if "service_orders" not in statement or not statement.lstrip().upper().startswith(
            ("SELECT", "WITH")
        ):
            continue
        args = list(params or ())
        plan = await _median_explain(conn, statement, args)
        if _sql_ms(plan) >= best[1]:
            best = (plan, _sql_ms(plan), statement, args)
    if not best[0]:
        return ""
    return best[0] + GENERIC + await _generic_plan(conn, best[2], best[3])


async def _median_explain(conn: Any, statement: str, args: list[Any]) -> str:
    """EXPLAIN ANALYZE run three times; the median run's plan."""
    plans = []
    for _ in range(3):
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *args)
        plans.append("\n".join(r[0] for r in rows))
    return sorted(plans, key=_sql_ms)[1]


# Where a plan text goes on with the same statement's generic plan.
GENERIC = "\n-- the generic plan (what a connection's prepared statement may use after 5 runs):\n"


async def _generic_plan(conn: Any, statement: str, args: list[Any]) -> str:
    """EXPLAIN ANALYZE of the statement's generic plan. PostgreSQL plans a prepared statement
    for its values five times and may then keep a generic plan, built for any value; Aftercare's
    statements are prepared on every pooled connection, so after warm-up that is the plan most
    requests run. The request timings above cannot show it (a median of a few runs)."""
    await conn.execute(f"PREPARE scale_generic AS {statement}")
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        values = ", ".join(_literal(v) for v in args)
        call = f"EXECUTE scale_generic({values})" if args else "EXECUTE scale_generic"
        return await _median_explain(conn, call, [])
    finally:
        await conn.execute("RESET plan_cache_mode")
        await conn.execute("DEALLOCATE scale_generic")


def _literal(value: Any) -> str:
    """A bound value as SQL text for EXECUTE (the statement's casts give it its type)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        items = ",".join(
            '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value
        )
        return "'{" + items.replace("'", "''") + "}'"
    return "'" + str(value).replace("'", "''") + "'"


def _sql_ms(plan: str) -> float:
    """The planner's "Execution Time" of an EXPLAIN ANALYZE text (the custom plan's, when the
    text goes on with the generic one)."""
    for line in plan.split(GENERIC)[0].splitlines():
        if line.startswith("Execution Time:"):
            return float(line.split()[2])
    return 0.0


def _generic_ms(plan: str) -> float:
    return _sql_ms(plan.split(GENERIC)[1]) if GENERIC in plan else 0.0


def report(sizes: list[int], by_size: dict[int, dict[str, tuple[float, str, int | None]]]) -> str:
    small, large = sizes[0], sizes[-1]
    head = " | ".join(f"request at {s:,}" for s in sizes)
    sql = " | ".join(f"slowest SQL at {s:,}" for s in sizes)
    generic = " | ".join(f"generic plan at {s:,}" for s in sizes)
    columns = f"| query | {head} | ratio | rows on the page | {sql} | ratio | {generic} |"
    lines = [columns, "|---" * (3 * len(sizes) + 4) + "|"]
    for name in by_size[small]:
        cells = " | ".join(f"{by_size[s][name][0]:.1f} ms" for s in sizes)
        ratio = by_size[large][name][0] / max(by_size[small][name][0], 0.01)
        counts = [by_size[s][name][2] for s in sizes]
        rows = " / ".join("—" if c is None else str(c) for c in counts)
        sqls = [_sql_ms(by_size[s][name][1]) for s in sizes]
        sql_cells = " | ".join(f"{v:.2f} ms" for v in sqls)
        sql_ratio = sqls[-1] / max(sqls[0], 0.01)
        generic_cells = " | ".join(f"{_generic_ms(by_size[s][name][1]):.2f} ms" for s in sizes)
        lines.append(
            f"| {name} | {cells} | {ratio:.2f}x | {rows} | {sql_cells} | {sql_ratio:.1f}x"
            f" | {generic_cells} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--label", default="current")
    parser.add_argument(
        "--only",
        help='comma-separated parts of scenario names to measure (e.g. "me/work,q="); '
        "the seeding, which is most of the run, is the same",
    )
    args = parser.parse_args()
    only = [o.strip() for o in args.only.split(",")] if args.only else None
    sizes = sorted(int(s) for s in args.sizes.split(","))
    cluster = Cluster()
    cluster.start()
    try:
        url = cluster.url()
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "aftercare"), "migrate"],
            env=server_env(url),
            check=True,
            capture_output=True,
        )
        people = asyncio.run(seed_people(url))
        by_size: dict[int, dict[str, tuple[float, str, int | None]]] = {}
        seeded = 0
        for size in sizes:
            t0 = time.perf_counter()
            asyncio.run(seed_orders(url, seeded, size))
            seeded = size
            print(f"\n{size:,} orders seeded in {time.perf_counter() - t0:.0f} s", flush=True)
            by_size[size] = asyncio.run(measure(url, people, args.repeat, only))
    finally:
        cluster.stop()
    table = report(sizes, by_size)
    print("\n" + table)
    notes = (
        f"{machine()}; {datetime.now(UTC):%Y-%m-%d}; commit {commit()}. "
        f"Fastest of {args.repeat} in-process requests each (app code path, no HTTP server); "
        f"{CUSTOMERS:,} customers, {ENGINEERS} engineers, orders over two years, one in ten "
        "open. Plans at the largest size: bench/SCALE_PLANS.md."
    )
    write_results(f"scale: {args.label}", table, notes)
    plans = [f"# Query plans at {sizes[-1]:,} orders ({args.label})\n", machine(), commit(), ""]
    for name, (_, plan, _rows) in by_size[sizes[-1]].items():
        plans += [f"## {name}", "```", plan, "```", ""]
    PLANS.write_text("\n".join(plans))


if __name__ == "__main__":
    main()
