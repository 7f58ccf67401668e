"""`aftercare serve` (one worker, production settings) under pyinstrument, for bench/profile.py.

The profiler starts on SIGUSR1 (after seeding and warm-up) and stops when the server is
interrupted; the report goes to $PROFILE_OUT.txt, the time spent in the garbage collector
while profiling to $PROFILE_OUT.gc, and the profile's time by layer (HTTP server, framework,
SQLAlchemy, driver, the app, ...) to $PROFILE_OUT.layers.json. Not part of the app: run by
bench/profile.py only.
"""

import asyncio
import gc
import json
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


# Where the CPU goes by layer: each frame's own time (not its callees') goes to the package its
# code is in; built-ins and pyinstrument's "[self]" entries go to their caller's.
_LAYERS = (
    ("/site-packages/uvicorn/", "HTTP server (uvicorn, h11)"),
    ("/site-packages/h11/", "HTTP server (uvicorn, h11)"),
    ("/site-packages/starlette/", "FastAPI and Starlette"),
    ("/site-packages/fastapi/", "FastAPI and Starlette"),
    ("/site-packages/sqlalchemy/", "SQLAlchemy and SQLModel"),
    ("/site-packages/sqlmodel/", "SQLAlchemy and SQLModel"),
    ("/site-packages/asyncpg/", "asyncpg"),
    ("/site-packages/pydantic", "pydantic"),
    ("/site-packages/jose/", "python-jose"),
    ("/site-packages/", "other libraries"),
    ("/selectors.py", "waiting for I/O (epoll)"),
    ("/asyncio/", "asyncio"),
    ("/logging/", "logging"),
    ("/json/", "json"),
    (str(Path(__file__).resolve().parents[1] / "app") + "/", "Aftercare (app/)"),
)


def _layer(path: str | None, parent: str) -> str:
    if not path or path.startswith("<"):
        return parent
    return next((name for part, name in _LAYERS if part in path), "other Python")


def _by_layer(frame: Any, parent: str, out: dict[str, float]) -> None:
    layer = _layer(frame.file_path, parent)
    out[layer] = out.get(layer, 0.0) + frame.time - sum(c.time for c in frame.children)
    for child in frame.children:
        _by_layer(child, layer, out)


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
        layers: dict[str, float] = {}
        root = profiler.last_session.root_frame() if profiler.last_session else None
        if root is not None:
            _by_layer(root, "other Python", layers)
        Path(OUT + ".layers.json").write_text(json.dumps(layers))
