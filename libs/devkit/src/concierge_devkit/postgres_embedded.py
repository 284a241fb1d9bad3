"""An embedded PostgreSQL 16 from the pgserver wheel, on a unix socket in the data folder."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class EmbeddedPostgres:
    """A running pgserver instance; :meth:`stop` shuts the postmaster down."""

    server: Any

    def uri(self, database: str) -> str:
        """A URL the services can use (``postgresql://postgres:@/<db>?host=<socket dir>``)."""
        return str(self.server.get_uri(database))

    async def stop(self) -> None:
        await asyncio.to_thread(self.server.cleanup)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop handles of runners that died without cleaning up.

    pgserver stops the server only when the last process that opened it lets
    go; a runner killed with SIGKILL would otherwise keep it running forever.
    """
    handles = pgdata / ".handle_pids.json"
    with contextlib.suppress(OSError, ValueError, TypeError):
        pids = json.loads(handles.read_text())
        handles.write_text(json.dumps([pid for pid in pids if _pid_alive(int(pid))]))


def _open_server(pgdata: Path) -> Any:
    pgdata = pgdata.resolve()
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from pgserver.postgres_server import get_server

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _forget_dead_handles(pgdata)
        return get_server(pgdata, cleanup_mode="stop")


async def start_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Initialise (first time) and start PostgreSQL with its data in ``data_dir``."""
    server = await asyncio.to_thread(_open_server, data_dir)
    return EmbeddedPostgres(server)
