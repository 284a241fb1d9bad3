"""The five services as child processes: prepare the database, start, wait until ready, stop."""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from concierge_devkit.errors import DevkitError
from concierge_devkit.processes import ManagedProcess, spawn
from concierge_devkit.stack_config import SERVICES
from concierge_devkit.waiting import wait_until

log = logging.getLogger(__name__)


async def prepare_database(env: Mapping[str, str], log_dir: Path, timeout: float = 120.0) -> None:
    """``python -m store seed``: migrations, then the demo parish (idempotent)."""
    process = await spawn(
        "store seed",
        [sys.executable, "-m", "store", "seed"],
        env=env,
        log_path=log_dir / "seed.log",
    )
    try:
        code = await asyncio.wait_for(process.process.wait(), timeout)
    except TimeoutError:
        await process.stop(5.0)
        raise DevkitError(f"database preparation did not finish within {timeout:.0f} s") from None
    if code != 0:
        raise DevkitError(f"database preparation failed (exit {code}):\n{process.log_tail()}")
    log.info("database: %s", process.log_tail(1) or "ready")


async def start_services(
    env: Mapping[str, str],
    log_dir: Path,
    own: Mapping[str, Mapping[str, str]] | None = None,
) -> list[ManagedProcess]:
    """Start every service with its JSON logs in ``log_dir/<service>.log``.

    ``own``: variables of one service only, over ``env`` (its NATS user and password).
    """
    started: list[ManagedProcess] = []
    for name in SERVICES:
        service_env = {**env, **(own or {}).get(name, {})}
        process = await spawn(
            name, [sys.executable, "-m", name], env=service_env, log_path=log_dir / f"{name}.log"
        )
        started.append(process)
    return started


async def _ready(client: httpx.AsyncClient, port: int) -> bool:
    try:
        response = await client.get(f"http://127.0.0.1:{port}/readyz")
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def wait_ready(
    processes: list[ManagedProcess], health: Mapping[str, int], timeout: float
) -> None:
    """Wait until every service's ``/readyz`` answers 200; fail naming the first that cannot."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2.0) as client:
        for process in processes:
            port = health[process.name]
            await wait_until(
                functools.partial(_ready, client, port),
                what=f"{process.name} readiness (http://127.0.0.1:{port}/readyz)",
                timeout=max(deadline - time.monotonic(), 1.0),
                process=process,
                interval=0.2,
            )
            log.info("%s ready (health port %d)", process.name, port)


async def stop_services(processes: list[ManagedProcess], grace: float = 30.0) -> None:
    """SIGTERM all services at once and wait for each (SIGKILL after ``grace``)."""
    await asyncio.gather(*(process.stop(grace) for process in processes))
    log.info("services stopped")
