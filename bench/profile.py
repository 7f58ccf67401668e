"""`make bench-profile`: where one scenario's CPU goes, under the same load as `make bench`.

    .venv/bin/python bench/profile.py get [--seconds 10]     # get | list | create | action | work

Seeds a throwaway cluster as bench/run.py does, serves Aftercare under pyinstrument
(bench/profile_serve.py), warms it up, profiles `--seconds` of `wrk -t1 -c32` on the scenario
and prints: req/s and CPU ms per request (the profiler adds about half again), the time the
garbage collector took, the connections the pool opened, and the app's own functions by the
share of the profile spent in them (inclusive: a function's callees count towards it). The
full tree is left in the temporary directory it names. The figures go to bench/PROFILE.md
under the scenario's name.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import run as B

PROFILE_MD = B.ROOT / "bench" / "PROFILE.md"
_FRAME = re.compile(r"^[\s|`-]*?(\d+\.\d+) (\S+)\s+(\S+)$")
# Frames worth naming besides the app's own: the framework's request handling and serialising.
_ALSO = ("fastapi/dependencies/utils.py:671", "fastapi/routing.py:329", "sqlalchemy/orm/session.py")


def _scenarios(people: dict, tokens: dict, ids: dict) -> dict[str, tuple[str, dict[str, str]]]:
    customers = people["customers"]
    body = json.dumps(
        {"kind": "remote", "channel": "phone", "customer_id": str(customers[3]), "subject": "Bench"}
    )
    api = B.API
    return {
        "get": (
            "get.lua",
            {
                "BENCH_PATH": f"{api}/service-orders/",
                "BENCH_IDS": ids["get"],
                "BENCH_TOKEN": tokens["eng2"],
            },
        ),
        "list": (
            "get.lua",
            {"BENCH_PATH": f"{api}/service-orders?limit=50", "BENCH_TOKEN": tokens["customer"]},
        ),
        "create": (
            "post.lua",
            {
                "BENCH_PATH": f"{api}/service-orders",
                "BENCH_BODY": body,
                "BENCH_TOKEN": tokens["clerk"],
            },
        ),
        "action": (
            "post.lua",
            {
                "BENCH_PATH": f"{api}/service-orders/",
                "BENCH_SUFFIX": "/start",
                "BENCH_TOKEN": tokens["eng3"],
                "BENCH_IDS": ids["actions"],
            },
        ),
        "work": ("get.lua", {"BENCH_PATH": f"{api}/users/me/work", "BENCH_TOKEN": tokens["eng1"]}),
    }


async def _sessions(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        sql = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def _shares(report: str, total: float) -> list[tuple[float, str]]:
    """Inclusive seconds per function (summed over the places it appears, outermost only)."""
    seconds: dict[str, float] = defaultdict(float)
    stack: list[tuple[int, str]] = []
    for line in report.splitlines():
        match = _FRAME.match(line)
        if not match:
            continue
        depth = len(line) - len(line.lstrip(" |`-"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        where = match.group(3)
        name = f"{match.group(2)} {where}"
        if (where.startswith("app/") or where.startswith(_ALSO)) and name not in (
            n for _, n in stack
        ):
            seconds[name] += float(match.group(1))
        stack.append((depth, name))
    return sorted(((s / total, n) for n, s in seconds.items()), reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=["get", "list", "create", "action", "work"])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    out_dir = Path(tempfile.mkdtemp(prefix="aftercare-profile-"))
    cluster = B.Cluster()
    proc = None
    try:
        cluster.start()
        env = B.server_env(cluster.url())
        subprocess.run(
            [str(B.ROOT / ".venv/bin/aftercare"), "migrate"],
            env=env,
            cwd=B.ROOT,
            check=True,
            capture_output=True,
        )
        people = asyncio.run(B.seed_people(cluster.url()))
        tokens = B.tokens_for(env, people)
        port = B.free_port()
        env = {**env, "PROFILE_OUT": str(out_dir / args.scenario), "PROFILE_PORT": str(port)}
        proc = subprocess.Popen(
            [str(B.ROOT / ".venv/bin/python"), str(B.ROOT / "bench/profile_serve.py")],
            env=env,
            cwd=B.ROOT,
            stdout=open(out_dir / "serve.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        for _ in range(100):
            try:
                if httpx.get(f"http://{B.HOST}:{port}/docs", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        server = B.Server("aftercare", port, proc)
        users, customers = people["users"], people["customers"]
        started = B.make_template(server.base, tokens, customers[0], "eng1", users["eng1"], True)
        assigned = B.make_template(server.base, tokens, customers[2], "eng3", users["eng3"], False)
        gets = asyncio.run(B.copy_orders(cluster.url(), started, customers[1], 1000, "G"))
        asyncio.run(B.copy_orders(cluster.url(), started, customers[0], 24, "W"))
        asyncio.run(B._reassign(cluster.url(), gets, users["eng2"]))
        actions = asyncio.run(B.copy_orders(cluster.url(), assigned, customers[2], 9000, "A"))
        ids = {"get": B.write_ids(gets, "get"), "actions": B.write_ids(actions[:1500], "actions")}
        script, extra = _scenarios(people, tokens, ids)[args.scenario]
        scenario = B.Scenario(args.scenario, script, extra, {})
        B.wrk(server, scenario, {**extra, "BENCH_RUN": "warm"}, 2)
        if args.scenario == "action":
            extra["BENCH_IDS"] = B.write_ids(actions[1500:], "actions")
        before = asyncio.run(_sessions(cluster.url()))
        os.kill(proc.pid, signal.SIGUSR1)
        run = B.wrk(server, scenario, {**extra, "BENCH_RUN": "profiled"}, args.seconds)
        opened = asyncio.run(_sessions(cluster.url())) - before - 1
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        report = (out_dir / f"{args.scenario}.txt").read_text()
        gc_seconds, gc_runs = (out_dir / f"{args.scenario}.gc").read_text().split()
        total = float(re.search(r"Duration: ([\d.]+)", report).group(1))  # type: ignore[union-attr]
        layers = json.loads((out_dir / f"{args.scenario}.layers.json").read_text())
        busy = sum(layers.values()) - layers.get("waiting for I/O (epoll)", 0.0)
        lines = [
            f"{run.rps:.0f} req/s under the profiler, {run.cpu_ms:.2f} CPU ms per request; "
            f"garbage collector {float(gc_seconds):.2f} s in {gc_runs} collections; "
            f"{opened} connections opened; {B.commit()}, {time.strftime('%Y-%m-%d')}.",
            "",
            "By layer: each function's own time, by the package its code is in (of the time not",
            "spent waiting for I/O; built-ins count to their caller's package).",
            "",
            "| layer | share | CPU ms per request (profiled) |",
            "|---|---|---|",
            *(
                f"| {name} | {seconds / busy:5.1%} | {seconds / busy * run.cpu_ms:.2f} |"
                for name, seconds in sorted(layers.items(), key=lambda kv: -kv[1])
                if name != "waiting for I/O (epoll)" and seconds / busy >= 0.005
            ),
            "",
            "| share of the profile | function |",
            "|---|---|",
            *(f"| {share:5.1%} | `{name}` |" for share, name in _shares(report, total)[: args.top]),
        ]
        print("\n".join(lines))
        print(f"\nfull tree: {out_dir / (args.scenario + '.txt')}")
        B.write_results(f"profile: {args.scenario}", "\n".join(lines[2:]), lines[0], PROFILE_MD)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        cluster.stop()


if __name__ == "__main__":
    main()
