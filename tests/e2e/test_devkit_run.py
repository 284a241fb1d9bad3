"""``concierge run --script`` end to end, as a developer runs it: a real subprocess.

Against the machine's NATS, PostgreSQL and Redis (own bus namespace, a
database the runner must create), and with nothing answering at the
configured URLs so that the embedded servers start.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from concierge_common.bus.topology import Topology
from support.infra import NATS_URL, POSTGRES_ADMIN_URL, REDIS_URL, free_port, unique_namespace
from support.stack import delete_namespace

WELCOME = "concierge> Bonjour et bienvenue"


async def run_concierge(env: dict[str, str], data_dir: Path, *lines: str) -> tuple[int, str, str]:
    """Run ``concierge run --free-ports --script ...``; SIGTERM it if it overstays."""
    scripts = [arg for line in lines for arg in ("--script", line)]
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "concierge_devkit", "--data-dir", str(data_dir), "run"),
        *("--free-ports", "--answer-timeout", "15", "--ready-timeout", "30", *scripts),
        env={**os.environ, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 50)
    except TimeoutError:
        process.terminate()  # the runner then stops what it started
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def missing_database() -> AsyncIterator[str]:
    """The URL of a database that does not exist yet; dropped after the test."""
    name = "concierge_devkit_" + uuid.uuid4().hex[:10]
    yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.mark.slow
async def test_run_script_answers_bonjour_on_the_machine_servers(
    tmp_path: Path, missing_database: str
) -> None:
    namespace = unique_namespace()
    env = {
        "NATS_URL": NATS_URL,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": missing_database,
        "BUS_NAMESPACE": namespace,
        "BUS_PARTITIONS": "4",
    }
    try:
        code, out, err = await run_concierge(env, tmp_path, "Bonjour", "horaires des messes ?")
    finally:
        await delete_namespace(NATS_URL, Topology(namespace, 1))
    assert code == 0, out + err
    assert WELCOME in out
    assert "Messes du dimanche" in out  # the seeded parish's fact, found by ai
    assert "9h30" in out
    assert "PostgreSQL: created database" in err
    assert "embedded" not in err
    assert (tmp_path / "logs" / "gateway.log").read_text().startswith("{")


@pytest.mark.slow
async def test_run_script_starts_embedded_servers_when_nothing_answers(tmp_path: Path) -> None:
    env = {
        "NATS_URL": f"nats://127.0.0.1:{free_port()}",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/concierge",
        "BUS_PARTITIONS": "4",
    }
    code, out, err = await run_concierge(env, tmp_path, "Bonjour")
    assert code == 0, out + err
    assert WELCOME in out
    for server in ("NATS", "PostgreSQL", "Redis"):
        assert f"embedded {server} stopped" in err
