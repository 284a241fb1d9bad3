"""Fixtures shared by every test: the session's servers, one namespace and one database per test.

At the start of the session the servers are made to answer (see
:mod:`support.session_servers`): the configured ones when they answer, else
embedded ones that live as long as the session.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from support import infra
from support.session_servers import SessionServers
from support.stack import base_env

for _name in list(os.environ):
    if _name.startswith("ANTHROPIC_"):
        del os.environ[_name]

_servers = SessionServers(os.environ)


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    if config.option.help or config.option.collectonly:
        return
    # A SIGTERM (a CI runner cancelling, `kill`) ends the session as Ctrl-C does, so
    # that the embedded servers are stopped on the way out.
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    # Under pytest-xdist the controller runs this first and its workers inherit the
    # URLs it exported: they find every server answering and only make their own
    # pool of fresh databases.
    try:
        exports = _servers.start()
    except Exception as exc:
        pytest.exit(f"the test servers could not be started: {exc}", returncode=3)
    os.environ.update(exports)
    if _servers.embedded:
        config.stash[_EMBEDDED] = ", ".join(_servers.embedded)


def pytest_report_header(config: pytest.Config) -> str:
    embedded = config.stash.get(_EMBEDDED, "")
    where = f"embedded {embedded} for this session" if embedded else "none embedded"
    return f"test servers: {where}"


def pytest_unconfigure(config: pytest.Config) -> None:
    _servers.stop()


_EMBEDDED = pytest.StashKey[str]()


@pytest.fixture
def namespace() -> str:
    return infra.unique_namespace()


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    name = await _servers.take_database()
    yield infra.postgres_url(name)
    _servers.give_back_database(name)


@pytest.fixture
def env(namespace: str, database_url: str) -> dict[str, str]:
    return base_env(
        nats_url=infra.setting("NATS_URL"),
        namespace=namespace,
        database_url=database_url,
        redis_url=infra.setting("REDIS_URL"),
    )


@pytest.fixture
async def redis(namespace: str) -> AsyncIterator[Redis]:
    """A client of the test Redis; the namespace's keys are deleted afterwards."""
    client = Redis.from_url(infra.setting("REDIS_URL"))
    try:
        yield client
    finally:
        keys = [key async for key in client.scan_iter(match=f"{namespace}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
