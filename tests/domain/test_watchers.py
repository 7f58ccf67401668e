"""The watcher loop: every registered scan on every tick, each in its own unit of work; a failing
scan is logged and does not stop the others; a database outage is one line, not a storm."""

import asyncio
import json
import logging
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.db.models import Customer
from app.domain import watchers
from app.domain.watchers import Watcher, register_watcher, registered_watchers, run_watchers


async def run_ticks(sessionmaker: Any, ticks: list[Watcher], until: Any) -> None:
    """Run the loop (ticks 10 ms apart) until `until()` is true, at most 2 s."""
    stop = asyncio.Event()
    loop = asyncio.create_task(run_watchers(sessionmaker, 0.01, stop, ticks))
    for _ in range(200):
        if until():
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)


async def test_one_failing_scan_is_logged_and_the_others_still_run(sessionmaker, caplog):
    calls = {"broken": 0, "counting": 0}

    async def broken(session: Any) -> int:
        calls["broken"] += 1
        raise ValueError("a bug in a scan")

    async def counting(session: Any) -> int:
        calls["counting"] += 1
        return 0

    caplog.set_level(logging.INFO, logger="aftercare")
    ticks = [Watcher("broken", broken), Watcher("counting", counting)]
    await run_ticks(sessionmaker, ticks, lambda: calls["counting"] >= 3)
    assert calls["counting"] >= 3
    assert calls["broken"] >= 3  # retried on every tick, not given up on
    failures = [r for r in caplog.records if r.name == "aftercare.broken"]
    assert failures and all(r.exc_info for r in failures)  # a bug keeps its traceback
    assert failures[0].getMessage() == "broken scan failed"


async def test_each_scan_commits_its_own_work_or_none_of_it(sessionmaker):
    done: list[str] = []

    async def writes_then_fails(session: Any) -> int:
        session.add(Customer(code="C-LOST", name="Rolled back"))
        await session.flush()
        done.append("fails")
        raise ValueError("after writing")

    async def writes(session: Any) -> int:
        session.add(Customer(code=f"C-KEPT-{len(done)}", name="Committed"))
        done.append("writes")
        return 1

    ticks = [Watcher("fails", writes_then_fails), Watcher("writes", writes)]
    await run_ticks(sessionmaker, ticks, lambda: "writes" in done)
    async with sessionmaker() as session:
        codes = set((await session.scalars(select(Customer.code))).all())
    assert "C-LOST" not in codes
    assert any(code.startswith("C-KEPT-") for code in codes)


async def test_a_batch_that_fills_up_runs_again_at_once(sessionmaker):
    left = [5]

    async def drain(session: Any) -> int:
        moved = min(2, left[0])
        left[0] -= moved
        return moved

    stop = asyncio.Event()
    # A long interval: only the immediate re-runs within the first tick can drain it all.
    loop = asyncio.create_task(run_watchers(sessionmaker, 60, stop, [Watcher("d", drain, 2)]))
    for _ in range(100):
        if left[0] == 0:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)
    assert left[0] == 0


async def test_an_outage_is_one_line_while_it_lasts_and_one_when_it_ends(sessionmaker, caplog):
    state = {"calls": 0, "away_until": 5}

    async def scan(session: Any) -> int:
        state["calls"] += 1
        if state["calls"] <= state["away_until"]:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
        return 0

    caplog.set_level(logging.INFO, logger="aftercare")
    await run_ticks(sessionmaker, [Watcher("sla", scan)], lambda: state["calls"] >= 8)
    lines = [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records]
    lines = [line for line in lines if "sla scan" in line[1]]
    assert [(level, exc) for level, _, exc in lines] == [("WARNING", None), ("WARNING", None)]
    assert "database unavailable" in lines[0][1]
    assert lines[1][1] == "sla scan: database is back"


def test_a_name_is_registered_once(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(watchers, "_WATCHERS", {})

    async def one(session: Any) -> int:
        return 0

    async def other(session: Any) -> int:
        return 0

    register_watcher("x", one)
    register_watcher("x", one)  # re-importing a module is harmless
    with pytest.raises(ValueError, match="already registered"):
        register_watcher("x", other)


def test_the_api_and_the_worker_command_run_the_same_registry():
    """What `registered_watchers()` finds on its own, in a fresh interpreter, is every watcher
    the code declares: a module with a @watcher that nobody imports would be missing here."""
    import importlib
    import pkgutil

    import app.domain

    for module in pkgutil.walk_packages(app.domain.__path__, "app.domain."):
        importlib.import_module(module.name)
    declared = [w.name for w in registered_watchers()]
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from app.domain.watchers import registered_watchers; "
            "print(json.dumps([w.name for w in registered_watchers()]))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(fresh.stdout) == declared
    assert "sla" in declared
