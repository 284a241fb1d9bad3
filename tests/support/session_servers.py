"""NATS, PostgreSQL and Redis for one pytest session: the ones that answer, else embedded ones.

The same code as ``./scripts/run`` (:func:`concierge_devkit.infra.ensure_infrastructure`)
decides: a server that answers at its configured URL (``NATS_URL``, ``REDIS_URL``,
``TEST_POSTGRES_ADMIN_URL``, defaults on the standard ports of 127.0.0.1) is used as
it is. For each one that does not answer, an embedded server starts for the whole
session, on a free port (a unix socket for PostgreSQL) with its data in a temporary
folder, so that two suites running at once on a bare machine never share or stop
each other's servers. They are stopped, and the folder removed, when the session ends,
also after Ctrl-C.

The servers live on an event loop of their own, in a thread that lasts the whole
session: the tests' event loops come and go with each test. The same loop runs
the pool of fresh databases (:mod:`support.databases`) that tests take and give back.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from concierge_devkit.endpoints import endpoint
from concierge_devkit.infra import InfraConfig, ensure_infrastructure
from concierge_devkit.ports import free_port
from concierge_devkit.postgres import PgState, postgres_state
from concierge_devkit.probe import nats_answers, redis_answers
from support.databases import DatabasePool
from support.infra import DEFAULTS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wanted:
    """The URLs the session was configured with (or the defaults)."""

    nats_url: str
    redis_url: str
    postgres_admin_url: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Wanted:
        def pick(name: str) -> str:
            return environ.get(name) or DEFAULTS[name]

        return cls(pick("NATS_URL"), pick("REDIS_URL"), pick("TEST_POSTGRES_ADMIN_URL"))


async def _answering(wanted: Wanted) -> tuple[bool, bool, bool]:
    """Which of NATS, Redis and PostgreSQL answer at their configured URLs."""
    nats_up = await nats_answers(endpoint(wanted.nats_url, 4222))
    redis_up = await redis_answers(endpoint(wanted.redis_url, 6379))
    postgres_up = await postgres_state(wanted.postgres_admin_url) is not PgState.DOWN
    return nats_up, redis_up, postgres_up


async def plan(wanted: Wanted, data_dir: Path) -> InfraConfig:
    """URLs to give the devkit: a configured one that answers, else one on a free port.

    Nothing answers on a free port, so the devkit starts an embedded server there.
    """
    nats_up, redis_up, postgres_up = await _answering(wanted)
    return InfraConfig(
        nats_url=wanted.nats_url if nats_up else f"nats://127.0.0.1:{free_port()}",
        redis_url=wanted.redis_url if redis_up else f"redis://127.0.0.1:{free_port()}/0",
        database_url=(
            wanted.postgres_admin_url
            if postgres_up
            else f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
        ),
        data_dir=data_dir,
    )


@dataclass
class SessionServers:
    """Starts the servers in a thread of their own; :meth:`stop` stops what it started."""

    environ: Mapping[str, str]
    exports: dict[str, str] = field(default_factory=dict)
    embedded: list[str] = field(default_factory=list)
    _data_dir: Path | None = None
    _thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _stop: asyncio.Event | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _error: BaseException | None = None
    _databases: DatabasePool | None = None

    def start(self) -> dict[str, str]:
        """Block until every server answers; the environment the tests must use."""
        self._data_dir = Path(tempfile.mkdtemp(prefix="concierge-test-servers-"))
        self._thread = threading.Thread(target=self._run, name="test-servers", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self.stop()
            raise self._error
        return self.exports

    async def take_database(self) -> str:
        """A new, empty database's name (from the caller's event loop)."""
        loop, databases = self._pool()
        made = asyncio.run_coroutine_threadsafe(databases.take(), loop)
        return await asyncio.wrap_future(made)

    def give_back_database(self, name: str) -> None:
        """The test is done with ``name``: it is dropped in the background."""
        loop, databases = self._pool()
        loop.call_soon_threadsafe(databases.give_back, name)

    def _pool(self) -> tuple[asyncio.AbstractEventLoop, DatabasePool]:
        if self._loop is None or self._databases is None:
            raise RuntimeError("the session's test servers are not running")
        return self._loop, self._databases

    def stop(self) -> None:
        """Stop the embedded servers (if any) and remove their data."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the thread that waits in start()
            self._error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        assert self._data_dir is not None
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        config = await plan(Wanted.from_env(self.environ), self._data_dir)
        async with AsyncExitStack() as stack:
            infra = await ensure_infrastructure(config, stack)
            self.embedded = list(infra.embedded)
            self.exports = {
                "NATS_URL": infra.nats_url,
                "REDIS_URL": infra.redis_url,
                "TEST_POSTGRES_ADMIN_URL": infra.database_url,
            }
            self._databases = DatabasePool(infra.database_url)
            self._databases.start()
            self._ready.set()
            await self._stop.wait()
            await self._databases.close()
