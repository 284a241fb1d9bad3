"""Webhook-to-JetStream-ack throughput and p99 of the gateway, against a minimal baseline.

Starts each server in a process of its own (``ack_servers.py``: the minimal
FastAPI baseline, then the real gateway), one at a time, pinned to one CPU; warms
it up and loads it from another process (``ack_load.py``) pinned to the other
CPU; repeats ``--repeat`` times, alternating which side goes first; prints the
median of each side and the gateway/baseline ratios. Everything runs on
127.0.0.1 in a bus namespace of its own, deleted at the end.

    uv run python bench/webhook_ack.py [--requests 5000] [--concurrency 32] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import nats
from nats.js.api import RetentionPolicy, StorageType, StreamConfig

from ack_servers import HMAC_KEY
from concierge_common.bus.topology import Topology
from concierge_devkit.ports import free_port

BENCH = Path(__file__).resolve().parent
SIDES = ("baseline", "gateway")
TARGET = 0.9
OTHER_CPU_LIMIT = 0.15  # CPUs used by unrelated processes before a run is suspect


@dataclass(frozen=True)
class Plan:
    nats_url: str
    namespace: str
    requests: int
    concurrency: int
    warmup: int
    repeat: int
    max_seconds: float
    log_level: str
    client: str
    server_cpu: int | None
    client_cpu: int | None

    @property
    def baseline_stream(self) -> str:
        return f"{self.namespace.upper()}_BASELINE"

    @property
    def baseline_subject(self) -> str:
        return f"{self.namespace}.baseline.inbound"

    def stream(self, side: str) -> str:
        if side == "baseline":
            return self.baseline_stream
        return Topology(self.namespace, 1).stream


@dataclass(frozen=True)
class Run:
    side: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    ok: int
    stored: int
    server_us: float  # server process CPU per request
    nats_us: float  # nats-server CPU per request
    client_cpu: float  # fraction of one CPU the load generator used
    other_cpu: float  # CPUs used meanwhile by unrelated processes (noise)


# -- NATS: the baseline's stream, counts, clean-up ----------------------------------------


async def _with_js(nats_url: str, action: Any) -> Any:
    nc = await asyncio.wait_for(nats.connect(nats_url, max_reconnect_attempts=1), 5)
    try:
        return await action(nc.jetstream())
    finally:
        await nc.close()


def create_baseline_stream(plan: Plan) -> None:
    """The baseline's stream, configured like the gateway's CHAT stream."""
    config = StreamConfig(
        name=plan.baseline_stream,
        subjects=[f"{plan.namespace}.baseline.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=168 * 3600,
        duplicate_window=3600,
    )
    asyncio.run(_with_js(plan.nats_url, lambda js: js.add_stream(config)))


def stored_messages(plan: Plan, side: str) -> int:
    async def count(js: Any) -> int:
        try:
            info = await js.stream_info(plan.stream(side))
        except nats.js.errors.NotFoundError:
            return 0
        return int(info.state.messages)

    return int(asyncio.run(_with_js(plan.nats_url, count)))


def delete_namespace(plan: Plan) -> None:
    """Remove the bench's streams and buckets (as tests/support/stack.py does)."""
    topology = Topology(plan.namespace, 1)
    streams = (plan.baseline_stream, topology.stream, topology.dlq_stream)
    buckets = (topology.sent_bucket, topology.meta_bucket)

    async def delete(js: Any) -> None:
        for stream in streams:
            with contextlib.suppress(Exception):
                await js.delete_stream(stream)
        for bucket in buckets:
            with contextlib.suppress(Exception):
                await js.delete_key_value(bucket)

    with contextlib.suppress(Exception):
        asyncio.run(_with_js(plan.nats_url, delete))


# -- processes ----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def nats_server_cpu() -> dict[int, float]:
    """CPU seconds of each local nats-server process (informational: JetStream's share)."""
    found = {}
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError, ValueError):
            if comm.read_text().strip() == "nats-server":
                pid = int(comm.parent.name)
                found[pid] = cpu_seconds(pid)
    return found


def _cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings by the processes present in both."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def machine_busy_seconds() -> float:
    """Non-idle CPU time of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time of this process's finished children (the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuUse:
    server: float
    nats: float
    other: float  # CPU seconds of processes that are not part of the measurement
    wall: float


class CpuMeter:
    """Who used the CPU while one measured load ran."""

    def __init__(self, server_pid: int) -> None:
        self._pid = server_pid
        self._server = cpu_seconds(server_pid)
        self._nats = nats_server_cpu()
        self._machine = machine_busy_seconds()
        self._children = children_cpu_seconds()
        self._wall = time.monotonic()

    def stop(self) -> CpuUse:
        server = cpu_seconds(self._pid) - self._server
        nats_used = _cpu_delta(self._nats, nats_server_cpu())
        client = children_cpu_seconds() - self._children
        machine = machine_busy_seconds() - self._machine
        other = max(0.0, machine - server - nats_used - client)
        return CpuUse(server, nats_used, other, time.monotonic() - self._wall)


def _cpu_flag(cpu: int | None) -> list[str]:
    return [] if cpu is None else ["--cpu", str(cpu)]


def start_server(plan: Plan, side: str, port: int, errors: IO[bytes]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        str(BENCH / "ack_servers.py"),
        side,
        *("--port", str(port), "--nats-url", plan.nats_url, "--namespace", plan.namespace),
        *("--subject", plan.baseline_subject, "--log-level", plan.log_level),
        *_cpu_flag(plan.server_cpu),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)


def wait_ready(process: subprocess.Popen[bytes], port: int, timeout: float = 30.0) -> None:
    """Wait until the server answers HTTP (any status) on ``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before serving")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/webhook", timeout=1.0)
            return
        time.sleep(0.1)
    raise RuntimeError(f"server not serving on port {port} after {timeout:.0f}s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def load(plan: Plan, port: int, count: int) -> dict[str, Any]:
    """Run the load generator in its own process; return its JSON report.

    Both sides get the same signed bodies; only the gateway checks the signature.
    """
    command = [
        sys.executable,
        str(BENCH / "ack_load.py"),
        *("--url", f"http://127.0.0.1:{port}", "--requests", str(count)),
        *("--concurrency", str(plan.concurrency), "--max-seconds", str(plan.max_seconds)),
        *("--hmac-key", HMAC_KEY, "--client", plan.client),
        *_cpu_flag(plan.client_cpu),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=plan.max_seconds + 60, check=True
    )
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


# -- one measured run ---------------------------------------------------------------------


def measure(plan: Plan, side: str) -> Run:
    """Start ``side``, warm it up, load it, stop it; what was measured."""
    port = free_port()
    with tempfile.TemporaryFile() as errors:
        server = start_server(plan, side, port, errors)
        try:
            wait_ready(server, port)
            load(plan, port, plan.warmup)
            return _measured(plan, side, port, server.pid)
        except Exception:
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace")[-4000:])
            raise
        finally:
            stop_server(server)


def _measured(plan: Plan, side: str, port: int, pid: int) -> Run:
    before = stored_messages(plan, side)
    meter = CpuMeter(pid)
    report = load(plan, port, plan.requests)
    cpu = meter.stop()
    done = max(1, int(report["requests"]))
    return Run(
        side=side,
        rps=float(report["rps"]),
        p50_ms=float(report["p50_ms"]),
        p99_ms=float(report["p99_ms"]),
        requests=int(report["requests"]),
        ok=int(report["ok"]),
        stored=stored_messages(plan, side) - before,
        server_us=cpu.server / done * 1e6,
        nats_us=cpu.nats / done * 1e6,
        client_cpu=float(report["client_cpu"]),
        other_cpu=cpu.other / cpu.wall,
    )


def run_all(plan: Plan) -> list[Run]:
    """``repeat`` rounds of both sides, alternating which goes first."""
    runs = []
    for round_ in range(plan.repeat):
        order = SIDES if round_ % 2 == 0 else SIDES[::-1]
        for side in order:
            run = measure(plan, side)
            print(_run_line(round_ + 1, run), flush=True)
            runs.append(run)
    return runs


# -- report -------------------------------------------------------------------------------

_HEADER = (
    f"{'side':<9} {'run':>3} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
    f"{'srv us/req':>10} {'nats us/req':>11} {'client cpu':>10} {'other cpu':>9} {'ok/stored':>11}"
)


def _run_line(number: int, run: Run) -> str:
    return (
        f"{run.side:<9} {number:>3} {run.rps:>8.1f} {run.p50_ms:>8.2f} {run.p99_ms:>8.2f} "
        f"{run.server_us:>10.0f} {run.nats_us:>11.0f} {run.client_cpu:>10.2f} "
        f"{run.other_cpu:>9.2f} {f'{run.ok}/{run.stored}':>11}"
    )


def _median(runs: list[Run], side: str, attribute: str) -> float:
    return float(statistics.median(getattr(run, attribute) for run in runs if run.side == side))


def summary(runs: list[Run], reliable: bool) -> list[str]:
    lines = [
        "",
        f"median of {len(runs) // 2} runs per side:",
        _HEADER.replace(" run", "    ").rsplit(" ", 1)[0].rstrip(),
    ]
    for side in SIDES:
        values = [_median(runs, side, name) for name in ("rps", "p50_ms", "p99_ms")]
        cpu = [_median(runs, side, name) for name in ("server_us", "nats_us", "client_cpu")]
        other = _median(runs, side, "other_cpu")
        lines.append(
            f"{side:<9} {'':>3} {values[0]:>8.1f} {values[1]:>8.2f} {values[2]:>8.2f} "
            f"{cpu[0]:>10.0f} {cpu[1]:>11.0f} {cpu[2]:>10.2f} {other:>9.2f}"
        )
    throughput = _median(runs, "gateway", "rps") / _median(runs, "baseline", "rps")
    p99 = _median(runs, "gateway", "p99_ms") / _median(runs, "baseline", "p99_ms")
    capacity = _median(runs, "baseline", "server_us") / _median(runs, "gateway", "server_us")
    verdict = "met" if throughput >= TARGET else "NOT met"
    if not reliable:
        verdict += " (unreliable: see the warnings below)"
    lines += [
        "",
        f"throughput ratio (gateway/baseline): {throughput:.2f}",
        f"p99 ratio (gateway/baseline): {p99:.2f}",
        f"server CPU per request ratio (baseline/gateway, noise-resistant): {capacity:.2f}",
        f"target: gateway throughput >= {TARGET}x baseline: {verdict}",
    ]
    return lines


def problems(runs: list[Run]) -> list[str]:
    """Runs whose numbers cannot be trusted."""
    found = []
    for run in runs:
        if run.ok != run.requests or run.stored != run.ok:
            found.append(f"{run.side}: {run.ok} ok of {run.requests}, {run.stored} stored")
        if run.client_cpu > 0.9:
            found.append(f"{run.side}: load generator at {run.client_cpu:.0%} CPU (client-bound?)")
        if run.other_cpu > OTHER_CPU_LIMIT:
            found.append(
                f"{run.side}: other processes used {run.other_cpu:.2f} CPU during a run "
                "(machine not quiet; rerun for clean numbers)"
            )
    return found


# -- command line -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5000, help="measured requests per run")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections")
    parser.add_argument("--warmup", type=int, default=1000, help="requests before each run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side (median taken)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="cap on one run")
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    parser.add_argument("--log-level", default="INFO", help="gateway LOG_LEVEL (prod: INFO)")
    parser.add_argument(
        "--client", choices=("raw", "httpx"), default="raw", help="load generator's HTTP client"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    args = parser.parse_args(argv)
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2
    return Plan(
        nats_url=args.nats_url,
        namespace="bench" + uuid.uuid4().hex[:8],
        requests=args.requests,
        concurrency=args.concurrency,
        warmup=args.warmup,
        repeat=args.repeat,
        max_seconds=args.max_seconds,
        log_level=args.log_level,
        client=args.client,
        server_cpu=0 if pin else None,
        client_cpu=1 if pin else None,
    )


def _preamble(plan: Plan) -> list[str]:
    pinning = (
        f"server on CPU {plan.server_cpu}, load generator on CPU {plan.client_cpu}"
        if plan.server_cpu is not None
        else "no CPU pinning"
    )
    return [
        f"POST /webhook -> JetStream PubAck -> 200; {plan.requests} requests/run "
        f"(+{plan.warmup} warm-up), {plan.concurrency} connections, {plan.repeat} runs/side",
        f"{pinning}; nats-server {plan.nats_url} unpinned; {plan.client} client; "
        f"gateway LOG_LEVEL={plan.log_level}; namespace {plan.namespace}",
        "",
        _HEADER,
    ]


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    print("\n".join(_preamble(plan)), flush=True)
    try:
        create_baseline_stream(plan)
        runs = run_all(plan)
    finally:
        delete_namespace(plan)
    trouble = problems(runs)
    print("\n".join(summary(runs, reliable=not trouble)))
    for line in trouble:
        print(f"warning: {line}")
    return 1 if any("ok of" in line for line in trouble) else 0


if __name__ == "__main__":
    sys.exit(main())
