"""`make bench`: Aftercare against the floor of its stack, side by side, with `wrk`.

    .venv/bin/python bench/run.py [--label after] [--seconds 5] [--pairs 5]

What it does, all on 127.0.0.1 and bounded in time:
1. a throwaway PostgreSQL cluster (initdb in a temporary directory, a free port, run as the
   `postgres` user), migrated with `aftercare migrate`;
2. users, customers and login rows; a few template orders made through the API, then copied in
   SQL (set-based) into the sets each scenario reads;
3. `aftercare serve` with production settings (AFTERCARE_ENV=prod, a random SECRET_KEY, JSON
   logs, the SLA watcher in process) and the floor app (bench/floor_app.py), one uvicorn worker
   each, both with uvicorn's h11 parser;
4. for every scenario, `--pairs` pairs of `wrk -t1 -c32` runs of `--seconds` each, alternating
   which side goes first; CPU time of each server process per request from /proc;
5. medians per scenario: req/s, p50/p99, CPU ms per request and the ratio Aftercare / floor,
   printed and written to bench/RESULTS.md under `--label` (a section per label, replaced when
   run again), with the machine, date and commit.
"""

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), Path("/usr/bin"))
HOST = "127.0.0.1"
API = "/api/v1"
CONNECTIONS = 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def as_postgres(*cmd: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True)


class Cluster:
    """A PostgreSQL cluster of our own, removed afterwards; never the machine's main one."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="aftercare-bench-pg-"))
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")

    def start(self) -> None:
        data = str(self.dir / "data")
        as_postgres(str(PG_BIN / "initdb"), "-D", data, "-A", "trust", "-U", "postgres")
        opts = f"-p {self.port} -c listen_addresses={HOST} -k {self.dir} -c max_connections=200"
        log = str(self.dir / "log")
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", data, "-o", opts, "-l", log, "-w", "start")
        as_postgres(str(PG_BIN / "createdb"), "-h", HOST, "-p", str(self.port), "aftercare")

    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@{HOST}:{self.port}/aftercare"

    def stop(self) -> None:
        data = str(self.dir / "data")
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                data,
                "-m",
                "fast",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def server_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AFTERCARE", "DATABASE"))}
    env.update(
        AFTERCARE_ENV="prod",
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(48),
        ACCESS_TOKEN_MINUTES="240",
    )
    return env


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its children (workers), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = {pid}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.add(int(stat.parent.name))
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def action_chunk(seconds: float) -> int:
    """Orders one action run may start: each is started once (a second start is a 409)."""
    return int(seconds * 600) + 200


def rss_mb(pid: int, field: str = "VmHWM") -> float:
    """The process's peak resident memory (VmHWM), or its current one (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


def start_server(name: str, cmd: list[str], env: dict[str, str], port: int) -> Server:
    log = open(Path(tempfile.gettempdir()) / f"aftercare-bench-{name}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{HOST}:{port}/docs", timeout=1).status_code < 500:
                return Server(name, port, proc)
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"{name} did not start; see {log.name}")


# ---------------------------------------------------------------- seeding


async def seed_people(url: str) -> dict[str, Any]:
    """Users, customers and a login (token family) per person, written with the app's models."""
    from app.db.models import Customer, Role, TokenFamily, User
    from app.db.session import create_engine, create_sessionmaker, unit_of_work

    engine = create_engine(url)
    people: dict[str, Any] = {}
    async with unit_of_work(create_sessionmaker(engine)) as session:
        customers = [Customer(code=f"BENCH-{i}", name=f"Bench customer {i}") for i in range(4)]
        session.add_all(customers)
        await session.flush()
        users = {
            "clerk": User(email="clerk@bench.test", name="Bench clerk", role=Role.clerk),
            "customer": User(
                email="customer@bench.test",
                name="Bench customer",
                role=Role.customer,
                customer_id=customers[0].id,
            ),
            **{
                f"eng{i}": User(
                    email=f"eng{i}@bench.test", name=f"Engineer {i}", role=Role.engineer
                )
                for i in range(1, 4)
            },
        }
        session.add_all(users.values())
        await session.flush()
        logins = {k: TokenFamily(user_id=u.id) for k, u in users.items()}
        session.add_all(logins.values())
        await session.flush()
        people = {
            "customers": [c.id for c in customers],
            "users": {k: u.id for k, u in users.items()},
            "logins": {k: f.id for k, f in logins.items()},
        }
    await engine.dispose()
    return people


def tokens_for(env: dict[str, str], people: dict[str, Any]) -> dict[str, str]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from app.auth.tokens import create_access_token
        from app.config import Settings

        settings = Settings()
        return {
            k: create_access_token(settings, uid, people["logins"][k])[0]
            for k, uid in people["users"].items()
        }
    finally:
        os.environ.clear()
        os.environ.update(saved)


def make_template(
    base: str,
    tokens: dict[str, str],
    customer: uuid.UUID,
    engineer: str,
    engineer_id: uuid.UUID,
    start: bool,
) -> str:
    clerk = {"Authorization": f"Bearer {tokens['clerk']}"}
    with httpx.Client(base_url=base + API, timeout=10) as c:
        body = {
            "kind": "remote",
            "channel": "phone",
            "customer_id": str(customer),
            "subject": "Printer jams on every second page",
            "description": "Model X200",
        }
        order = c.post("/service-orders", json=body, headers=clerk).json()
        r = c.post(
            f"/service-orders/{order['id']}/assign",
            json={"assignee_id": str(engineer_id)},
            headers=clerk,
        )
        r.raise_for_status()
        if start:
            eng = {"Authorization": f"Bearer {tokens[engineer]}"}
            c.post(f"/service-orders/{order['id']}/start", headers=eng).raise_for_status()
        return str(order["id"])


async def copy_orders(
    url: str, template: str, customer: uuid.UUID, count: int, tag: str
) -> list[str]:
    """`count` copies of a template order (set-based), with their own ids, numbers and times."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        cols = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'service_orders' ORDER BY ordinal_position"
            )
        ]
        own = {
            "id": "gen_random_uuid()",
            "number": f"'SO-{tag}-' || lpad(g::text, 7, '0')",
            "customer_id": "$2",
            "created_at": "t.created_at - (g || ' seconds')::interval",
            "updated_at": "t.updated_at - (g || ' seconds')::interval",
        }
        select = ", ".join(own.get(c, f"t.{c}") for c in cols)
        rows = await conn.fetch(
            f"INSERT INTO service_orders ({', '.join(cols)}) SELECT {select} "
            "FROM service_orders t, generate_series(1, $3) g WHERE t.id = $1 RETURNING id",
            uuid.UUID(template),
            customer,
            count,
        )
        await conn.execute("ANALYZE")
        return [str(r["id"]) for r in rows]
    finally:
        await conn.close()


# ---------------------------------------------------------------- measuring


@dataclass
class Scenario:
    name: str
    script: str
    aftercare: dict[str, str]
    floor: dict[str, str]
    consumes_ids: bool = False


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    errors: int


def wrk(server: Server, scenario: Scenario, env_extra: dict[str, str], seconds: float) -> Run:
    env = {**os.environ, **env_extra}
    before = cpu_seconds(server.proc.pid)
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds:g}s",
            "--timeout",
            "5s",
            "-s",
            f"bench/lua/{scenario.script}",
            server.base,
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    if done.returncode:
        raise SystemExit(f"wrk failed on {scenario.name}: {done.stderr}")
    out = done.stdout
    cpu = cpu_seconds(server.proc.pid) - before
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    data = json.loads(line[6:])
    requests = max(1, data["requests"])
    return Run(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        cpu_ms=cpu * 1000 / requests,
        errors=data["errors"],
    )


def write_ids(ids: list[str], name: str) -> str:
    path = Path(tempfile.gettempdir()) / f"aftercare-bench-{name}.ids"
    path.write_text("\n".join(ids) + "\n")
    return str(path)


def median(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return (
        f"{model}, {os.cpu_count()} cores, {int(mem) // 1024} MB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def commit() -> str:
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "app"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return sha + (" (+ uncommitted changes in app/)" if dirty else "")


def write_results(label: str, table: str, notes: str, path: Path = RESULTS) -> None:
    header = (
        "# Benchmark results\n\nWritten by `make bench` (bench/run.py); one section per label.\n"
    )
    text = path.read_text() if path.exists() else header
    start = f"<!-- bench:{label} -->"
    end = f"<!-- /bench:{label} -->"
    section = f"{start}\n## {label}\n\n{notes}\n\n{table}\n{end}"
    if start in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--label", default="current")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--only", help="comma-separated scenario names")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    cluster = Cluster()
    servers: list[Server] = []
    try:
        cluster.start()
        env = server_env(cluster.url())
        subprocess.run(
            [str(ROOT / ".venv/bin/aftercare"), "migrate"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        people = asyncio.run(seed_people(cluster.url()))
        tokens = tokens_for(env, people)
        venv = str(ROOT / ".venv/bin")
        aftercare = start_server(
            "aftercare",
            [
                f"{venv}/aftercare",
                "serve",
                "--host",
                HOST,
                "--port",
                str(port := free_port()),
                *(["--workers", str(args.workers)] if args.workers > 1 else []),
            ],
            env,
            port,
        )
        servers.append(aftercare)
        floor = start_server(
            "floor",
            [
                f"{venv}/uvicorn",
                "bench.floor_app:app",
                "--host",
                HOST,
                "--port",
                str(port := free_port()),
                "--http",
                "h11",
                "--no-access-log",
            ],
            env,
            port,
        )
        servers.append(floor)

        users, customers = people["users"], people["customers"]
        in_progress = make_template(
            aftercare.base, tokens, customers[0], "eng1", users["eng1"], start=True
        )
        assigned = make_template(
            aftercare.base, tokens, customers[2], "eng3", users["eng3"], start=False
        )
        gets = asyncio.run(copy_orders(cluster.url(), in_progress, customers[1], 1000, "G"))
        asyncio.run(copy_orders(cluster.url(), in_progress, customers[0], 24, "W"))
        # Engineer 2 owns the GET set: reassign it in SQL (its template belonged to engineer 1).
        asyncio.run(_reassign(cluster.url(), gets, users["eng2"]))
        actions = asyncio.run(
            copy_orders(
                cluster.url(),
                assigned,
                customers[2],
                (args.pairs + 1) * action_chunk(args.seconds),
                "A",
            )
        )
        listed = asyncio.run(copy_orders(cluster.url(), in_progress, customers[0], 200, "L"))
        asyncio.run(_reassign(cluster.url(), listed, users["eng2"]))  # keep engineer 1 at 25

        ids_get = write_ids(gets, "get")
        create_body = json.dumps(
            {
                "kind": "remote",
                "channel": "phone",
                "customer_id": str(customers[3]),
                "subject": "Bench create",
            }
        )
        scenarios = [
            Scenario(
                "GET an order (as its engineer)",
                "get.lua",
                {
                    "BENCH_PATH": f"{API}/service-orders/",
                    "BENCH_IDS": ids_get,
                    "BENCH_TOKEN": tokens["eng2"],
                },
                {"BENCH_PATH": "/orders/", "BENCH_IDS": ids_get},
            ),
            Scenario(
                "a customer's list of 50",
                "get.lua",
                {"BENCH_PATH": f"{API}/service-orders?limit=50", "BENCH_TOKEN": tokens["customer"]},
                {
                    "BENCH_PATH": f"/customers/{customers[0]}/orders",
                },
            ),
            Scenario(
                "create (with Idempotency-Key)",
                "post.lua",
                {
                    "BENCH_PATH": f"{API}/service-orders",
                    "BENCH_BODY": create_body,
                    "BENCH_TOKEN": tokens["clerk"],
                },
                {"BENCH_PATH": "/orders", "BENCH_BODY": create_body},
            ),
            Scenario(
                "an action (`start`)",
                "post.lua",
                {
                    "BENCH_PATH": f"{API}/service-orders/",
                    "BENCH_SUFFIX": "/start",
                    "BENCH_TOKEN": tokens["eng3"],
                },
                {"BENCH_PATH": "/orders/", "BENCH_SUFFIX": "/start", "BENCH_IDS": ids_get},
                consumes_ids=True,
            ),
            Scenario(
                "`/users/me/work` (25 orders) vs the floor's 25",
                "get.lua",
                {"BENCH_PATH": f"{API}/users/me/work", "BENCH_TOKEN": tokens["eng1"]},
                {
                    "BENCH_PATH": f"/engineers/{users['eng1']}/work",
                },
            ),
        ]
        if args.only:
            wanted = {s.strip() for s in args.only.split(",")}
            scenarios = [s for s in scenarios if any(w in s.name for w in wanted)]

        rows = []
        action_pos = 0
        for scenario in scenarios:
            results: dict[str, list[Run]] = {"aftercare": [], "floor": []}
            for pair in range(args.pairs + 1):  # pair 0 warms both up and is not counted
                order = (aftercare, floor) if pair % 2 else (floor, aftercare)
                for server in order:
                    extra = dict(scenario.aftercare if server is aftercare else scenario.floor)
                    extra["BENCH_RUN"] = f"{scenario.script}-{pair}-{server.name}"
                    if scenario.consumes_ids and server is aftercare:
                        chunk = actions[action_pos : action_pos + action_chunk(args.seconds)]
                        action_pos += len(chunk)
                        extra["BENCH_IDS"] = write_ids(chunk, "actions")
                    seconds = args.seconds if pair else min(2.0, args.seconds)
                    run = wrk(server, scenario, extra, seconds)
                    if pair:
                        results[server.name].append(run)
            a, f = results["aftercare"], results["floor"]
            ratio = median(a, "rps") / median(f, "rps")
            rows.append(
                f"| {scenario.name} | **{ratio:.2f}** | {median(a, 'rps'):.0f} | "
                f"{median(f, 'rps'):.0f} | {median(a, 'cpu_ms'):.2f} | {median(f, 'cpu_ms'):.2f} | "
                f"{median(a, 'p50_ms'):.1f} / {median(a, 'p99_ms'):.1f} | "
                f"{median(f, 'p50_ms'):.1f} / {median(f, 'p99_ms'):.1f} | "
                f"{sum(r.errors for r in a)} | {rss_mb(aftercare.proc.pid, 'VmRSS'):.0f} |"
            )
            print(rows[-1], flush=True)
        table = (
            "| endpoint | Aftercare / floor (req/s) | Aftercare req/s | floor req/s | "
            "Aftercare CPU ms/req | floor CPU ms/req | Aftercare p50 / p99 ms | "
            "floor p50 / p99 ms | Aftercare non-2xx | Aftercare RSS after, MB |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n"
            + "\n".join(rows)
            + f"\n\nPeak RSS of the Aftercare process: {rss_mb(aftercare.proc.pid):.0f} MB."
        )
        notes = (
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit()}; {machine()}.  \n"
            f"`wrk -t1 -c{CONNECTIONS}`, {args.pairs} alternated pairs of {args.seconds:g} s per "
            f"endpoint (medians), one uvicorn worker each (h11), PostgreSQL "
            f"{PG_BIN.parent.name} in a throwaway cluster on the same machine."
        )
        write_results(args.label, table, notes)
        print(table)
    finally:
        for server in servers:
            server.proc.terminate()
            try:
                server.proc.wait(10)
            except subprocess.TimeoutExpired:
                server.proc.kill()
        cluster.stop()


async def _reassign(url: str, ids: list[str], engineer: uuid.UUID) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(
            "UPDATE service_orders SET assignee_id = $1 WHERE id = ANY($2::uuid[])",
            engineer,
            [uuid.UUID(i) for i in ids],
        )
    finally:
        await conn.close()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
