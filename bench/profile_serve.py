"""`aftercare serve` (one worker, production settings) under pyinstrument, for bench/profile.py.

The profiler starts on SIGUSR1 (after seeding and warm-up) and stops when the server is
interrupted; the report goes to $PROFILE_OUT.txt, and the time spent in the garbage collector
while profiling to $PROFILE_OUT.gc. Not part of the app: run by bench/profile.py only.
"""

import asyncio
import gc
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import uvicorn
from pyinstrument import Profiler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.http.server import uvicorn_options

OUT = os.environ["PROFILE_OUT"]
config = uvicorn.Config(
    "app.main:create_app",
    factory=True,
    host="127.0.0.1",
    port=int(os.environ["PROFILE_PORT"]),
    access_log=False,
    **uvicorn_options(),
)
server = uvicorn.Server(config)
profiler = Profiler(interval=0.001, async_mode="disabled")
collected = {"seconds": 0.0, "runs": 0, "started": 0.0}


def _gc_timer(phase: str, _: dict[str, Any]) -> None:
    if phase == "start":
        collected["started"] = time.perf_counter()
    else:
        collected["seconds"] += time.perf_counter() - collected["started"]
        collected["runs"] += 1


def _start() -> None:
    if not profiler.is_running:
        collected.update(seconds=0.0, runs=0)
        gc.callbacks.append(_gc_timer)
        profiler.start()


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.add_signal_handler(signal.SIGUSR1, _start)
try:
    loop.run_until_complete(server.serve())
finally:
    if profiler.is_running:
        profiler.stop()
        Path(OUT + ".txt").write_text(
            profiler.output_text(unicode=False, color=False, show_all=True)
        )
        Path(OUT + ".gc").write_text(f"{collected['seconds']:.3f} {collected['runs']}\n")
