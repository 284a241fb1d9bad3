"""NATS, PostgreSQL and Redis for a developer: use what answers, else start embedded servers.

A configured URL always wins: when something answers there it is used as is
(the PostgreSQL database is created if the server answers without it). Only
when nothing answers at a URL on this machine is an embedded server started,
in the data folder, and it is stopped when the runner's exit stack unwinds.

Given a run's :class:`~concierge_devkit.bus_access.BusAccess`, an embedded NATS
knows only that run's users (one per service, the production permissions): the
services get their own in :attr:`Infrastructure.service_nats`, and ``NATS_URL``
names the kit's ``admin`` user. A NATS that already answers is used as it is.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from concierge_devkit.bus_access import BusAccess
from concierge_devkit.endpoints import Endpoint, database_name, endpoint
from concierge_devkit.errors import DevkitError
from concierge_devkit.nats_embedded import start_nats
from concierge_devkit.postgres import ensure_database, redact
from concierge_devkit.postgres_embedded import start_postgres
from concierge_devkit.probe import nats_answers, redis_answers
from concierge_devkit.redis_embedded import start_redis
from concierge_devkit.stack_config import SERVICES

log = logging.getLogger(__name__)

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/concierge"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class InfraConfig:
    """The URLs asked for, and the folder where embedded servers keep their data."""

    nats_url: str
    database_url: str
    redis_url: str
    data_dir: Path
    database_url_given: bool = True  # False: DATABASE_URL unset, the default is the runner's

    @classmethod
    def from_env(cls, data_dir: Path, environ: Mapping[str, str] | None = None) -> InfraConfig:
        env = os.environ if environ is None else environ
        return cls(
            nats_url=env.get("NATS_URL") or DEFAULT_NATS_URL,
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=env.get("REDIS_URL") or DEFAULT_REDIS_URL,
            data_dir=data_dir,
            database_url_given=bool(env.get("DATABASE_URL")),
        )

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


@dataclass
class Infrastructure:
    """The URLs the services get, and which servers were started here."""

    nats_url: str
    database_url: str
    redis_url: str
    embedded: list[str] = field(default_factory=list)
    # The database is the runner's (the embedded server's, or the default URL's with
    # DATABASE_URL unset): a fresh run may drop it. Never one DATABASE_URL names.
    own_database: bool = False
    # NATS_USER / NATS_PASSWORD of each service on an embedded NATS with users; empty else.
    service_nats: dict[str, dict[str, str]] = field(default_factory=dict)

    def nats_env(self, service: str) -> dict[str, str]:
        """What ``service`` connects to NATS with (its own user, when the server has users)."""
        if service not in self.service_nats:
            return {}
        return {"NATS_URL": self.plain_nats_url, **self.service_nats[service]}

    @property
    def plain_nats_url(self) -> str:
        """``nats_url`` without the user it may name."""
        return ",".join(part.rpartition("@")[2] for part in self.nats_url.split(","))

    def exports(self) -> dict[str, str]:
        return {
            "NATS_URL": self.nats_url,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
        }


def _register_stop(stack: AsyncExitStack, name: str, stop: Callable[[], Awaitable[None]]) -> None:
    async def stop_and_say() -> None:
        await stop()
        log.info("embedded %s stopped", name)

    stack.push_async_callback(stop_and_say)


def _require_local(name: str, url: str, where: Endpoint) -> None:
    if not where.is_local:
        raise DevkitError(
            f"nothing answers at {name}={redact(url)}; an embedded server can only replace "
            f"a server on this machine: start it, or unset {name} to use the embedded default"
        )


async def _ensure_nats(
    config: InfraConfig, stack: AsyncExitStack, infra: Infrastructure, access: BusAccess | None
) -> None:
    where = endpoint(config.nats_url, 4222)
    shown = redact(config.nats_url)
    if await nats_answers(where):
        log.info("NATS: using %s", shown)
        return
    _require_local("NATS_URL", config.nats_url, where)
    log.info("NATS: nothing answers at %s, starting an embedded nats-server", shown)
    authorization = access.server_config() if access is not None else None
    process = await start_nats(where, config.data_dir / "nats", config.log_dir, authorization)
    _register_stop(stack, "NATS", functools.partial(process.stop, 15.0))
    infra.embedded.append("nats")
    if access is not None:
        log.info("NATS: one user per service (the production permissions)")
        infra.nats_url = access.admin_url(config.nats_url)
        infra.service_nats = {name: access.service_env(name) for name in SERVICES}


async def _ensure_redis(config: InfraConfig, stack: AsyncExitStack, infra: Infrastructure) -> None:
    where = endpoint(config.redis_url, 6379)
    if await redis_answers(where):
        log.info("Redis: using %s", config.redis_url)
        return
    _require_local("REDIS_URL", config.redis_url, where)
    log.info("Redis: nothing answers at %s, starting an embedded redis-server", config.redis_url)
    process = await start_redis(where, config.data_dir / "redis", config.log_dir)
    _register_stop(stack, "Redis", functools.partial(process.stop, 15.0))
    infra.embedded.append("redis")


async def _ensure_postgres(
    config: InfraConfig, stack: AsyncExitStack, infra: Infrastructure
) -> None:
    url = config.database_url
    if await ensure_database(url):
        log.info("PostgreSQL: using %s", redact(url))
        return
    _require_local("DATABASE_URL", url, endpoint(url, 5432))
    log.info("PostgreSQL: nothing answers at %s, starting an embedded server", redact(url))
    server = await start_postgres(config.data_dir / "postgres")
    _register_stop(stack, "PostgreSQL", server.stop)
    infra.database_url = server.uri(database_name(url))
    infra.embedded.append("postgres")
    infra.own_database = True
    if not await ensure_database(infra.database_url):
        raise DevkitError(f"embedded PostgreSQL does not answer at {infra.database_url}")
    log.info("PostgreSQL: embedded at %s", infra.database_url)


async def ensure_infrastructure(
    config: InfraConfig, stack: AsyncExitStack, access: BusAccess | None = None
) -> Infrastructure:
    """Make NATS, PostgreSQL and Redis answer; register the embedded ones' stops on ``stack``.

    ``access``: the users an embedded NATS knows (None: it knows none, anyone connects).
    """
    config.log_dir.mkdir(parents=True, exist_ok=True)
    infra = Infrastructure(config.nats_url, config.database_url, config.redis_url)
    infra.own_database = not config.database_url_given
    await _ensure_nats(config, stack, infra, access)
    await _ensure_postgres(config, stack, infra)
    await _ensure_redis(config, stack, infra)
    return infra
