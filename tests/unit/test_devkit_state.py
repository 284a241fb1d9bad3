"""What a developer run keeps between runs: its state, its data folder, its pacing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from concierge_devkit.data_dir import embedded_servers_in, reset_data_dir, run_lock
from concierge_devkit.errors import DevkitError
from concierge_devkit.infra import InfraConfig
from concierge_devkit.pacing import DEMO_PACING, apply_demo_pacing
from concierge_devkit.run_state import FILENAME, RunState
from concierge_devkit.runner import choose_state


def test_a_fresh_state_has_new_secrets_and_a_new_namespace() -> None:
    one, two = RunState.fresh(), RunState.fresh()
    assert one.secrets.conversation_id_key != two.secrets.conversation_id_key
    assert one.secrets.intrinsic_id_key != two.secrets.intrinsic_id_key
    assert one.bus_namespace != two.bus_namespace
    assert one.bus_namespace.isalnum()
    assert one.bus_namespace.islower()
    assert len(one.secrets.jwt_secret) >= 32


def test_the_state_is_saved_for_the_owner_only_and_read_back(tmp_path: Path) -> None:
    state = RunState.fresh()
    (tmp_path / FILENAME).write_text("{}")
    (tmp_path / FILENAME).chmod(0o644)
    state.save(tmp_path)
    assert (tmp_path / FILENAME).stat().st_mode & 0o777 == 0o600
    assert RunState.load(tmp_path) == state


def test_no_or_unreadable_state_loads_as_none(tmp_path: Path) -> None:
    assert RunState.load(tmp_path) is None
    (tmp_path / FILENAME).write_text(json.dumps({"secrets": {}, "bus_namespace": "x"}))
    assert RunState.load(tmp_path) is None


def test_each_run_starts_afresh_and_remembers_what_to_clear(tmp_path: Path) -> None:
    first = choose_state(tmp_path, RunState.load(tmp_path), keep=False)
    assert first.fresh
    assert first.previous is None
    second = choose_state(tmp_path, RunState.load(tmp_path), keep=False)
    assert second.fresh
    assert second.previous == first.state
    assert second.state.bus_namespace != first.state.bus_namespace
    assert RunState.load(tmp_path) == second.state


def test_keep_state_reuses_the_saved_state(tmp_path: Path) -> None:
    first = choose_state(tmp_path, None, keep=True)  # nothing saved yet: fresh
    assert first.fresh
    kept = choose_state(tmp_path, RunState.load(tmp_path), keep=True)
    assert not kept.fresh
    assert kept.state == first.state


def test_only_an_unset_database_url_is_the_runners_to_drop(tmp_path: Path) -> None:
    assert not InfraConfig.from_env(tmp_path, {}).database_url_given
    assert not InfraConfig.from_env(tmp_path, {"DATABASE_URL": ""}).database_url_given
    given = InfraConfig.from_env(tmp_path, {"DATABASE_URL": "postgresql://h/mine"})
    assert given.database_url_given


def test_a_second_run_in_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    with run_lock(tmp_path):
        assert (tmp_path / "run.lock").read_text().strip() == str(os.getpid())
        with pytest.raises(DevkitError, match="another concierge run uses"), run_lock(tmp_path):
            pass
    with run_lock(tmp_path):  # released at the end of the first run
        pass


def runner_leftovers(data_dir: Path) -> None:
    (data_dir / "logs").mkdir(parents=True)
    (data_dir / "logs" / "gateway.log").write_text("{}\n")
    (data_dir / "postgres" / "base").mkdir(parents=True)
    (data_dir / "nats").mkdir()
    RunState.fresh().save(data_dir)


def test_reset_removes_what_the_runner_left_and_nothing_else(tmp_path: Path) -> None:
    data_dir = tmp_path / ".concierge"
    runner_leftovers(data_dir)
    with run_lock(data_dir):
        reset_data_dir(data_dir)
        assert [entry.name for entry in data_dir.iterdir()] == ["run.lock"]
    assert tmp_path.is_dir()


def test_reset_refuses_a_folder_holding_other_things(tmp_path: Path) -> None:
    runner_leftovers(tmp_path)
    (tmp_path / "README.md").write_text("not the runner's")
    with pytest.raises(DevkitError, match=r"README\.md"):
        reset_data_dir(tmp_path)
    assert (tmp_path / FILENAME).exists()
    assert (tmp_path / "logs" / "gateway.log").exists()


def fake_process(proc: Path, pid: int, name: str, *argv: str) -> None:
    folder = proc / str(pid)
    folder.mkdir(parents=True)
    (folder / "comm").write_text(name + "\n")
    (folder / "cmdline").write_bytes(b"\0".join(arg.encode() for arg in argv) + b"\0")


def test_embedded_servers_of_the_data_dir_are_found(tmp_path: Path) -> None:
    data_dir = (tmp_path / "data").resolve()
    proc = tmp_path / "proc"
    fake_process(proc, 101, "postgres", "/bin/postgres", "-D", f"{data_dir}/postgres")
    fake_process(proc, 102, "nats-server", "nats-server", "-js", "-sd", f"{data_dir}/nats")
    fake_process(proc, 103, "postgres", "/bin/postgres", "-D", "/elsewhere/postgres")
    fake_process(proc, 104, "tail", "tail", "-f", f"{data_dir}/logs/gateway.log")
    fake_process(proc, 105, "nats-server", "nats-server", "-sd", f"{data_dir}x/nats")
    (proc / "self").mkdir()
    found = embedded_servers_in(data_dir, proc)
    assert found == ["postgres (pid 101)", "nats-server (pid 102)"]


def test_demo_pacing_fills_only_what_the_caller_left_unset() -> None:
    env = {"ROUTER_BURST_WINDOW_SECONDS": "2", "GATEWAY_TYPING_MAX_SECONDS": ""}
    apply_demo_pacing(env)
    assert env["ROUTER_BURST_WINDOW_SECONDS"] == "2"
    assert env["GATEWAY_TYPING_MAX_SECONDS"] == DEMO_PACING["GATEWAY_TYPING_MAX_SECONDS"]
    assert float(env["GATEWAY_TYPING_MIN_SECONDS"]) == 0
    assert float(DEMO_PACING["ROUTER_BURST_WINDOW_SECONDS"]) <= 1.0
