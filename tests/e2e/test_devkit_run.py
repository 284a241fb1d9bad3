"""``concierge run --script`` end to end, as a developer runs it: a real subprocess.

Against the machine's NATS, PostgreSQL and Redis (own bus namespace, a
database the runner must create); with an embedded PostgreSQL in the data
folder, so that a run leaves state for the next one; and with nothing
answering at the configured URLs, so that every embedded server starts.

The runs have no deadline of their own: ``--ready-timeout`` and
``--answer-timeout`` are the runner's, generous here for a loaded machine.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from concierge_common.bus.topology import Topology
from concierge_devkit.namespaces import forget_namespace
from concierge_devkit.ports import free_port
from concierge_devkit.run_state import RunState
from support.infra import (
    NATS_URL,
    POSTGRES_ADMIN_URL,
    REDIS_URL,
    postgres_url,
    unique_namespace,
)
from support.stack import delete_namespace

WELCOME = "concierge> Bonjour et bienvenue"
RUNNER_TIMEOUTS = ("--answer-timeout", "120", "--ready-timeout", "120")


def run_concierge(
    env: dict[str, str], data_dir: Path, *options: str, lines: tuple[str, ...]
) -> tuple[int, str, str]:
    """Run ``concierge run --free-ports`` with ``options`` and ``--script`` lines to its end."""
    scripts = [arg for line in lines for arg in ("--script", line)]
    argv = [sys.executable, "-m", "concierge_devkit", "--data-dir", str(data_dir), "run"]
    done = subprocess.run(
        [*argv, "--free-ports", *RUNNER_TIMEOUTS, *options, *scripts],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def under_each_line(transcript: str) -> dict[str, list[str]]:
    """The printed replies grouped under the ``you>`` line they follow."""
    grouped: dict[str, list[str]] = {}
    current: list[str] = []
    for line in transcript.splitlines():
        if line.startswith("you> "):
            current = grouped.setdefault(line.removeprefix("you> "), [])
        elif line.startswith("concierge"):
            current.append(line)
        elif current:  # a reply spanning several lines
            current[-1] += "\n" + line
    return grouped


@pytest.fixture
async def missing_database() -> AsyncIterator[str]:
    """The URL of a database that does not exist yet; dropped after the test."""
    name = "concierge_devkit_" + uuid.uuid4().hex[:10]
    yield postgres_url(name)
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.mark.slow
async def test_run_script_prints_each_reply_under_its_line_on_the_machine_servers(
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
    lines = ("Bonjour", "horaires des messes ?", "Quel est le groupe de caté de Léa ?", "SM-4821")
    try:
        code, out, err = await asyncio.to_thread(run_concierge, env, tmp_path, lines=lines)
    finally:
        await delete_namespace(NATS_URL, Topology(namespace, 1))
    assert code == 0, out + err
    replies = under_each_line(out)
    assert replies["Bonjour"][0].startswith(WELCOME)
    assert "9h30" in replies["horaires des messes ?"][0]  # the seeded parish's fact, found by ai
    assert "code parent" in replies["Quel est le groupe de caté de Léa ?"][0]
    verified, kept_answer = replies["SM-4821"]  # the kept question is answered after the code
    assert "bien reconnu" in verified
    assert "Samuel" in kept_answer
    assert "PostgreSQL: created database" in err
    assert "kept as it is" in err  # DATABASE_URL's database is never dropped
    assert "embedded" not in err
    assert (tmp_path / "logs" / "gateway.log").read_text().startswith("{")


def embedded_postgres_env() -> dict[str, str]:
    """The machine's NATS and Redis, and an embedded PostgreSQL: the runner's own database."""
    return {
        "NATS_URL": NATS_URL,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/concierge",
        "BUS_NAMESPACE": "",
        "BUS_PARTITIONS": "4",
    }


def forget_run_namespace(data_dir: Path) -> None:
    state = RunState.load(data_dir)
    if state is not None:
        asyncio.run(forget_namespace(NATS_URL, state.bus_namespace))


@pytest.fixture(scope="module")
def handoff_left_open(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data folder whose run ended with the person's handoff open (copy it to use it)."""
    data_dir = tmp_path_factory.mktemp("handoff") / "data"
    lines = ("je veux parler à quelqu'un",)
    code, out, err = run_concierge(embedded_postgres_env(), data_dir, lines=lines)
    assert code == 0, out + err
    assert "concierge (to staff)> 🔔 Nouvelle demande" in out
    yield data_dir
    forget_run_namespace(data_dir)


def copy_of(data_dir: Path, tmp_path: Path) -> Path:
    """A copy of a data folder, owners kept (the embedded PostgreSQL's files may be another
    user's when the runner is root)."""
    copy = tmp_path / "data"
    subprocess.run(["cp", "-a", str(data_dir), str(copy)], check=True)
    return copy


@pytest.mark.slow
def test_keep_state_carries_on_with_the_open_handoff(
    handoff_left_open: Path, tmp_path: Path
) -> None:
    data_dir = copy_of(handoff_left_open, tmp_path)
    try:
        code, out, err = run_concierge(
            embedded_postgres_env(), data_dir, "--keep-state", lines=("/staff liste",)
        )
    finally:
        forget_run_namespace(data_dir)
    assert code == 0, out + err
    [listing] = under_each_line(out)["/staff liste"]
    assert "Demandes ouvertes (1)" in listing
    assert "je veux parler à quelqu'un" in listing
    assert RunState.load(data_dir) == RunState.load(handoff_left_open)


@pytest.mark.slow
def test_a_new_run_answers_bonjour_after_one_that_left_a_handoff_open(
    handoff_left_open: Path, tmp_path: Path
) -> None:
    data_dir = copy_of(handoff_left_open, tmp_path)
    try:
        code, out, err = run_concierge(
            embedded_postgres_env(), data_dir, lines=("Bonjour", "/staff liste")
        )
    finally:
        forget_run_namespace(data_dir)
    assert code == 0, out + err
    replies = under_each_line(out)
    assert replies["Bonjour"][0].startswith(WELCOME)
    assert replies["/staff liste"] == ["concierge (to staff)> Aucune demande ouverte."]
    assert "database concierge dropped and created empty" in err
    previous, now = RunState.load(handoff_left_open), RunState.load(data_dir)
    assert previous is not None
    assert now is not None
    assert now.secrets.conversation_id_key != previous.secrets.conversation_id_key
    assert now.bus_namespace != previous.bus_namespace


@pytest.mark.slow
def test_run_script_starts_embedded_servers_after_a_reset(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "earlier-run.log").write_text("{}\n")
    RunState.fresh().save(tmp_path)
    env = {
        "NATS_URL": f"nats://127.0.0.1:{free_port()}",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/concierge",
        "BUS_PARTITIONS": "4",
    }
    code, out, err = run_concierge(env, tmp_path, "--reset", lines=("Bonjour",))
    assert code == 0, out + err
    assert WELCOME in out
    assert f"reset: {tmp_path} emptied" in err
    assert not (tmp_path / "logs" / "earlier-run.log").exists()
    for server in ("NATS", "PostgreSQL", "Redis"):
        assert f"embedded {server} stopped" in err
