"""The services as real processes (``python -m <service>``), started, killed and read by a test.

A test that is about processes (a SIGTERM, a ``kill -9``, several replicas
sharing the partitions) runs the services the way a deployment does: one
process per replica, configured by its environment, each with its own health
port (``<SERVICE>_HEALTH_PORT``: ``/readyz`` and ``/metrics``). A process's
output (its JSON log lines) goes to a file, so that a busy process never blocks
on a full pipe and a test can read what it logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from concierge_devkit.ports import free_port
from concierge_devkit.processes import ManagedProcess, spawn
from concierge_devkit.stack_config import health_port_variable
from support.polling import HANG_GUARD, eventually

SERVICES = ("gateway", "router", "ai", "handoff", "store")
PORT_TAKEN = "address already in use"  # what uvicorn logs before the process exits


@dataclass
class ServiceProcess:
    """One replica of a service, run as a child process of the test (:meth:`start`)."""

    label: str  # "router-2": the service and which replica, for messages and log files
    service: str
    env: dict[str, str]  # the process's whole environment, its ports included
    log_path: Path
    # Variables naming ports the process binds besides its health port (GATEWAY_PORT).
    port_variables: tuple[str, ...] = ()
    managed: ManagedProcess | None = None

    @property
    def health_port(self) -> int:
        return int(self.env[health_port_variable(self.service)])

    def port(self, variable: str) -> int:
        return int(self.env[variable])

    async def start(self) -> None:
        """Spawn ``python -m <service>`` on free ports; returns at once (see wait_ready)."""
        for variable in (health_port_variable(self.service), *self.port_variables):
            self.env[variable] = str(free_port())
        self.managed = await spawn(
            self.label, [sys.executable, "-m", self.service], env=self.env, log_path=self.log_path
        )

    @property
    def process(self) -> asyncio.subprocess.Process:
        if self.managed is None:
            raise RuntimeError(f"{self.label} was not started")
        return self.managed.process

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.managed is not None and self.managed.running

    @property
    def returncode(self) -> int | None:
        return self.process.returncode if self.managed is not None else None

    def terminate(self) -> None:
        """SIGTERM: the service hands its partitions back and stops."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL (``kill -9``): the process dies holding whatever it held."""
        self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signum)

    async def wait_exit(self, timeout: float = HANG_GUARD) -> int:
        """The exit code, once the process has exited (the timeout is a hang guard)."""
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"{self.label} did not exit:\n{self.output()[-3000:]}") from None
        code = self.returncode
        assert code is not None
        return code

    async def wait_ready(
        self, client: httpx.AsyncClient | None = None, timeout: float = HANG_GUARD
    ) -> None:
        """Wait until ``/readyz`` answers 200; fail at once, with its output, if it exits.

        A process that exits because one of its ports was taken meanwhile (ports
        are chosen free, then bound by the child: another process may get there
        first) is started again on other ports.
        """
        clashes = 0
        async with _client(client) as http:

            async def ready() -> bool:
                nonlocal clashes
                if not self.running:
                    taken = self.output().count(PORT_TAKEN)
                    if clashes < taken <= 3:  # a new clash (three at most)
                        clashes = taken
                        await self.start()
                        return False
                    raise AssertionError(
                        f"{self.label} exited ({self.returncode}) before it was ready:\n"
                        f"{self.output()[-3000:]}"
                    )
                try:
                    response = await http.get(f"http://127.0.0.1:{self.health_port}/readyz")
                except httpx.HTTPError:
                    return False
                return response.status_code == 200

            try:
                await eventually(ready, timeout)
            except AssertionError as exc:
                if "before it was ready" in str(exc):
                    raise
                raise AssertionError(f"{self.label} never became ready") from None

    async def metrics(self, client: httpx.AsyncClient | None = None) -> Metrics:
        """The process's Prometheus metrics, now.

        A kept-alive connection that the server closes (its keep-alive timeout) just as
        the client sends on it fails with a read error: the request is sent once more,
        on a new connection (a process that is gone fails again, to connect).
        """
        url = f"http://127.0.0.1:{self.health_port}/metrics"
        async with _client(client) as http:
            try:
                response = await http.get(url)
            except (httpx.ReadError, httpx.RemoteProtocolError):
                response = await http.get(url)
        response.raise_for_status()
        return Metrics.parse(response.text)

    async def stop(self, grace: float = HANG_GUARD) -> bool:
        """SIGTERM, wait up to ``grace`` seconds; False if it had to be killed.

        A process still running after ``grace`` is hung: it is sent SIGABRT first, so
        that Python's fault handler writes every thread's stack to its output
        (``PYTHONFAULTHANDLER``), then SIGKILL.
        """
        if not self.running:
            return True
        self.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), grace)
            return True
        self._signal(signal.SIGABRT)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), 5.0)
        self.kill()
        await self.process.wait()
        return False

    def output(self) -> str:
        """Everything the process wrote so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON log lines the process wrote so far (other lines are skipped)."""
        records = []
        for line in self.output().splitlines():
            if not line.startswith("{"):
                continue
            with contextlib.suppress(ValueError):
                records.append(json.loads(line))
        return records

    def logged(self, message: str) -> list[dict[str, Any]]:
        """The log records whose message is ``message``."""
        return [record for record in self.log_records() if record.get("msg") == message]


@contextlib.asynccontextmanager
async def _client(client: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    if client is not None:
        yield client
        return
    async with httpx.AsyncClient(timeout=30.0) as own:
        yield own


@dataclass(frozen=True)
class Metrics:
    """A parsed ``/metrics`` page: sample values by name and labels."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    @classmethod
    def parse(cls, text: str) -> Metrics:
        samples = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                samples[(sample.name, frozenset(sample.labels.items()))] = float(sample.value)
        return cls(samples)

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` that carry ``labels`` (0 when there is none)."""
        wanted = set(labels.items())
        return sum(
            value
            for (sample, sample_labels), value in self.samples.items()
            if sample == name and wanted <= sample_labels
        )


def process_env(env: Mapping[str, str], **settings: str) -> dict[str, str]:
    """The test process's environment, a stack's ``env`` and ``settings`` on top."""
    return {
        **os.environ,
        **env,
        "PYTHONUNBUFFERED": "1",
        "PYTHONFAULTHANDLER": "1",  # a SIGABRT writes every thread's stack (see stop)
        **settings,
    }


async def start_service(
    service: str,
    env: Mapping[str, str],
    log_dir: Path,
    *,
    label: str = "",
    settings: Mapping[str, str] | None = None,
    port_variables: tuple[str, ...] = (),
) -> ServiceProcess:
    """Start ``python -m <service>`` with ``env`` (and ``settings``) on a free health port
    (and free ``port_variables``).

    Returns at once; :meth:`ServiceProcess.wait_ready` waits for readiness.
    """
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    label = label or service
    process = ServiceProcess(
        label,
        service,
        process_env(env, **(settings or {})),
        log_dir / f"{label}.log",
        port_variables,
    )
    await process.start()
    return process


async def stop_all(processes: Iterable[ServiceProcess], grace: float = HANG_GUARD) -> list[str]:
    """SIGTERM whatever still runs and wait for it, the stores last; the labels of those
    that had to be killed (see :meth:`ServiceProcess.stop`).

    The others may still ask the store while they finish what they hold.
    """
    running = [process for process in processes if process.running]
    hung = []
    for last in (False, True):
        group = [process for process in running if (process.service == "store") is last]
        stopped = await asyncio.gather(*(process.stop(grace) for process in group))
        hung += [process.label for process, ok in zip(group, stopped, strict=True) if not ok]
    return hung


def tails(processes: Iterable[ServiceProcess], lines: int = 25) -> str:
    """The last lines of each process's output, to explain a failure."""
    return "\n".join(
        f"--- {process.label} (exit {process.returncode}):\n"
        + "\n".join(process.output().splitlines()[-lines:])
        for process in processes
    )
