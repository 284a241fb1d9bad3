"""The runner's data folder: one run at a time in it, and ``--reset`` to empty it.

A run holds an exclusive lock on ``<data dir>/run.lock`` while it lasts; the
kernel drops it when the process ends, however it ends. ``--reset`` removes only
what the runner puts in the folder, and refuses to touch anything while a run or
one of the embedded servers started from that folder still runs: it stops nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from concierge_devkit.errors import DevkitError

log = logging.getLogger(__name__)

LOCK_NAME = "run.lock"
# Everything a run may create in the data folder ("media": files the services keep).
RUNNER_ENTRIES = frozenset(
    {"logs", "postgres", "nats", "redis", "media", "run-state.json", "dev-secrets.json", LOCK_NAME}
)
EMBEDDED_SERVERS = frozenset({"postgres", "nats-server", "redis-server"})


@contextlib.contextmanager
def run_lock(data_dir: Path) -> Iterator[None]:
    """Hold ``data_dir``'s run lock; raise when another run holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / LOCK_NAME).open("a+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DevkitError(
                f"another concierge run uses {data_dir} (pid {_holder(file)}): "
                "stop it, or give this one another --data-dir"
            ) from None
        _write_pid(file)
        yield


def _holder(file: IO[str]) -> str:
    file.seek(0)
    return file.read().strip() or "?"


def _write_pid(file: IO[str]) -> None:
    file.seek(0)
    file.truncate()
    file.write(f"{os.getpid()}\n")
    file.flush()


def embedded_servers_in(data_dir: Path, proc: Path = Path("/proc")) -> list[str]:
    """``"name (pid N)"`` of each embedded server whose files are inside ``data_dir``.

    Read from ``/proc`` (Linux, like the rest of the runner's process handling).
    """
    if not proc.is_dir():
        return []
    inside = os.fsencode(str(data_dir.resolve()) + os.sep)
    found = []
    for pid in sorted(int(entry.name) for entry in proc.iterdir() if entry.name.isdigit()):
        entry = proc / str(pid)
        try:
            name = (entry / "comm").read_text().strip()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if name in EMBEDDED_SERVERS and any(arg.startswith(inside) for arg in argv):
            found.append(f"{name} (pid {entry.name})")
    return found


def reset_data_dir(data_dir: Path) -> None:
    """Remove what the runner put in ``data_dir`` (the caller holds its run lock).

    Refuses while an embedded server started from it still runs, and when the
    folder holds anything the runner does not make there (a wrong --data-dir).
    """
    if not data_dir.is_dir():
        return
    running = embedded_servers_in(data_dir)
    if running:
        raise DevkitError(
            f"--reset: {', '.join(running)} still runs from {data_dir}; "
            "stop it first (nothing was removed)"
        )
    strangers = sorted(
        entry.name for entry in data_dir.iterdir() if entry.name not in RUNNER_ENTRIES
    )
    if strangers:
        raise DevkitError(
            f"--reset: {data_dir} holds what the runner did not put there "
            f"({', '.join(strangers[:5])}); nothing was removed"
        )
    for entry in data_dir.iterdir():
        if entry.name == LOCK_NAME:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    log.info("reset: %s emptied", data_dir)
