"""CPU time per answered message, per process, against a minimal pipeline on the same NATS.

``--messages`` signed WAHA webhooks, each from a conversation of its own, arrive at
``--rate`` per second. The five services run as processes the way ``concierge run``
starts them (``concurrency_kit.ConciergeStack``), except that the gateway runs as
deployed: its public edge (``GATEWAY_ROLES=api``) and its outbound sender
(``GATEWAY_ROLES=outbound``) are two processes. The answerer is instant (the Messages
API stand-in with no delay, or ``--answerer offline``); the router's burst window and
the gateway's typing pauses are off. The run ends once every ``sendText`` reached the
WAHA stand-in and every consumer acknowledged everything.

What is printed is CPU time (user + system, from ``/proc/<pid>/stat``), not wall time,
divided by the messages answered: each service, nats-server, the PostgreSQL backends
connected to the run's database, Redis, and this process (load generator and
stand-ins). Wall time on this shared 2-core machine moves with other people's work;
a process's CPU time mostly does not.

Baseline, in the same run, at the same rate: ``concurrency_kit.BaselinePipeline``
(HTTP -> JetStream -> pull consumer -> ``sendText``, one process) on the same NATS.
``--own-nats`` runs both on a nats-server of the run's own, whose CPU is then theirs
alone. See bench/README.md for how to read the figures.

    uv run python bench/cpu_per_message.py [--messages 2000] [--rate 20] [--own-nats]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import nats

import concurrency_kit as kit
from concierge_devkit.dev_secrets import DevSecrets
from concierge_devkit.endpoints import Endpoint
from concierge_devkit.nats_embedded import start_nats
from concierge_devkit.ports import free_port
from concierge_devkit.processes import spawn
from concierge_devkit.stack_config import SERVICES, health_port_variable
from webhook_ack import cpu_seconds

_PARTITION = re.compile(r"-\d{3}$")  # a consumer's partition number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000, help="messages measured")
    parser.add_argument("--rate", type=float, default=20.0, help="webhooks per second")
    parser.add_argument("--warmup", type=int, default=100, help="messages before measuring")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="idle CPU measured")
    parser.add_argument(
        "--answerer",
        choices=("stand-in", "offline"),
        default="stand-in",
        help="ai answers through the Messages API stand-in (0 s) or offline (no API key)",
    )
    parser.add_argument("--connections", type=int, default=32, help="webhook connections")
    parser.add_argument(
        "--one-gateway",
        action="store_true",
        help="run the gateway's two roles in one process (the devkit's default)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the minimal pipeline")
    parser.add_argument(
        "--own-nats",
        action="store_true",
        help="start a nats-server -js of the run's own (a free port, a temporary store), "
        "so that its CPU is this run's alone (--nats-url is then ignored)",
    )
    parser.add_argument(
        "--count-nats",
        action="store_true",
        help="count the run's NATS messages per answered message, by kind (a '>' "
        "subscription: adds CPU to nats-server and to this process)",
    )
    parser.add_argument(
        "--py-spy",
        metavar="DIR",
        default="",
        help="profile every service while measuring: py-spy raw stacks in DIR/<name>.txt "
        "(py-spy must be installed; its sampling adds CPU to the figures)",
    )
    kit.add_common_arguments(parser, max_seconds=900.0)
    return parser.parse_args(argv)


# -- processes not started by this run ------------------------------------------------------


def listening_pid(port: int) -> int | None:
    """The process with a socket listening on TCP ``port`` (needs to see its fds)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                if os.readlink(fd) in inodes:
                    return int(fd_dir.parent.name)
        except OSError:
            continue
    return None


def port_of(url: str, default: int) -> int:
    rest = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, sep, port = rest.rpartition(":")
    return int(port) if sep and port.isdigit() and host else default


async def backend_pids(database_url: str) -> set[int]:
    """PostgreSQL backends connected to the run's database (the store's pool)."""
    connection = await asyncpg.connect(database_url, timeout=10.0)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return {int(row["pid"]) for row in rows}


# -- counting ---------------------------------------------------------------------------


@dataclass
class Meter:
    """CPU seconds per named process between :meth:`start` and :meth:`stop`."""

    pids: Mapping[str, Iterable[int]]

    def _read(self) -> dict[str, dict[int, float]]:
        return {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in self.pids.items()}

    def start(self) -> None:
        self._before = self._read()
        self._own = time.process_time()
        self._wall = time.monotonic()

    def stop(self, late: Mapping[str, Iterable[int]] | None = None) -> dict[str, float]:
        """Seconds per name; ``late`` pids (started meanwhile) count from zero."""
        after = self._read()
        used = {
            name: sum(after[name][pid] - self._before[name].get(pid, 0.0) for pid in after[name])
            for name in after
        }
        for name, pids in (late or {}).items():
            known = self._before.get(name, {})
            used[name] = used.get(name, 0.0) + sum(
                cpu_seconds(pid) for pid in pids if pid not in known
            )
        used["driver+stand-ins"] = time.process_time() - self._own
        self.wall = time.monotonic() - self._wall
        return {name: max(0.0, value) for name, value in used.items()}


@dataclass(frozen=True)
class PerMessage:
    """One process's CPU per answered message: all of it, and net of its idle rate."""

    ms: float
    net: float


def table(
    title: str,
    used: Mapping[str, float],
    count: int,
    idle: Mapping[str, float],
    wall: float,
) -> dict[str, PerMessage]:
    """Print ms of CPU per message per process, and return them.

    ``net`` takes off what the process used at its idle rate over the run's time: for a
    shared server (nats-server, Redis) that is mostly other people's work; for a service,
    its timers and idle pull loops (at a lower rate they weigh more per message).
    """
    print(f"\n{title}: {count} messages answered in {wall:.1f} s")
    print(f"{'process':<22} {'ms/msg':>8} {'cpu s':>8} {'idle ms/s':>10} {'net ms/msg':>11}")
    rows = {}
    for name, value in used.items():
        per = value * 1000 / count if count else float("nan")
        net = per
        rest = ""
        if name in idle:
            net = (value - idle[name] * wall) * 1000 / count if count else float("nan")
            rest = f"{idle[name] * 1000:>10.1f} {net:>11.2f}"
        print(f"{name:<22} {per:>8.2f} {value:>8.2f} {rest}".rstrip())
        rows[name] = PerMessage(per, net)
    return rows


def total_line(label: str, value: float) -> None:
    print(f"{label:<34} {value:>8.2f}")


# -- the stack --------------------------------------------------------------------------


class Stack(kit.ConciergeStack):
    """The concierge with the gateway's edge and outbound sender as two processes."""

    split_gateway = True

    async def _spawn_all(self) -> dict[str, int]:
        if not self.split_gateway:
            return await super()._spawn_all()
        health: dict[str, int] = {}
        for service in SERVICES:
            roles = ["api", "outbound"] if service == "gateway" else [""]
            for role in roles:
                name = f"{service}-{role}" if role == "outbound" else service
                port = free_port() if role == "outbound" else None
                env = dict(self.env)
                if role:
                    env["GATEWAY_ROLES"] = role
                if port is not None:
                    env[health_port_variable(service)] = str(port)
                process = await spawn(
                    name,
                    [sys.executable, "-m", service],
                    env=env,
                    log_path=self.log_dir / f"{name}.log",
                )
                self.processes.append(process)
                health[name] = port or int(env[health_port_variable(service)])
        return health


async def idle_rates(pids: Mapping[str, Iterable[int]], seconds: float) -> dict[str, float]:
    """CPU seconds per second of each process while nothing is sent."""
    meter = Meter(pids)
    meter.start()
    await asyncio.sleep(seconds)
    used = meter.stop()
    return {name: value / meter.wall for name, value in used.items()}


async def start_profilers(services: Mapping[str, list[int]], out: str) -> list[Any]:
    """One ``py-spy record`` per service, writing collapsed stacks until interrupted."""
    folder = Path(out)
    os.makedirs(folder, exist_ok=True)
    profilers = []
    for name, pids in services.items():
        argv = ["py-spy", "record", "--format", "raw", "--rate", "100", "--nonblocking", "--gil"]
        argv += ["-o", str(folder / f"{name}.txt"), "--pid", str(pids[0])]
        profilers.append(
            await asyncio.create_subprocess_exec(
                *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
            )
        )
    await asyncio.sleep(1.0)
    return profilers


async def stop_profilers(profilers: list[Any]) -> None:
    for profiler in profilers:
        if profiler.returncode is None:
            profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        try:
            await asyncio.wait_for(profiler.wait(), 30.0)
        except TimeoutError:
            profiler.kill()
            await profiler.wait()


class NatsTraffic:
    """Every NATS message of the run's namespace, by kind, through a ``>`` subscription."""

    def __init__(self, namespace: str) -> None:
        self._prefix = f"{namespace}."
        self._upper = f"{namespace.upper()}_"
        self.kinds: Counter[str] = Counter()
        self.inbox = 0

    async def start(self, nats_url: str) -> None:
        self._nc = await nats.connect(nats_url, name="bench-cpu-counter")
        await self._nc.subscribe(">", cb=self._seen)

    async def stop(self) -> None:
        await self._nc.drain()

    async def _seen(self, msg: Any) -> None:
        subject: str = msg.subject
        if subject.startswith("_INBOX."):
            self.inbox += 1  # replies, deliveries to pull requests; not attributable here
            return
        kind = self.kind(subject)
        if kind:
            self.kinds[kind] += 1

    def kind(self, subject: str) -> str:
        if subject.startswith(self._prefix):
            tokens = subject[len(self._prefix) :].split(".")
            if tokens[0] == "chat":
                return f"flow {tokens[2]} (publish, deliveries)"
            return " ".join(tokens[:4])
        tokens = subject.split(".")
        if subject.startswith("$JS.ACK.") and tokens[2].startswith(self._upper):
            return "ack " + _PARTITION.sub("", tokens[3])
        if subject.startswith("$KV.") and tokens[1].startswith(self._upper):
            return f"kv {tokens[1][len(self._upper) :]}"
        if subject.startswith("$JS.API.") and any(t.startswith(self._upper) for t in tokens):
            words = [_PARTITION.sub("", t) for t in tokens[2:] if not t.startswith(self._upper)]
            return "js " + ".".join(words)
        return ""

    def report(self, count: int) -> None:
        print("\nNATS messages per answered message, of the run's namespace (a flow's line")
        print("counts its publishes and its deliveries; idle loops are included)")
        for kind, seen in sorted(self.kinds.items(), key=lambda item: -item[1]):
            print(f"  {seen / count:>7.2f}  {kind}")
        print(
            f"  messages to inboxes (replies, deliveries): {self.inbox / count:.1f} per message, "
            "every client's of this server (only this run's with --own-nats)"
        )


async def one_run(
    webhooks: kit.Webhooks,
    waha: kit.WahaStandIn,
    chats: list[str],
    rate: float,
    deadline: kit.Deadline,
    what: str,
) -> kit.Wave:
    wave = await kit.send_wave(webhooks, chats, kit.QUESTION, rate=rate)
    if not await kit.wait_replies(waha, wave.expected, deadline, what):
        raise kit.CapReached(what)
    return wave


async def measure(args: argparse.Namespace) -> int:
    deadline = kit.Deadline(args.max_seconds)
    print(
        f"cpu per message: {args.messages} messages at {args.rate:g}/s, one conversation each; "
        f"answerer: {args.answerer} (instant); "
        f"{'production pacing' if args.production_pacing else 'no burst window, no typing'}; "
        f"LOG_LEVEL={args.log_level}"
    )
    print(f"before the run: {kit.load_line()}", flush=True)
    async with AsyncExitStack() as servers:
        if args.own_nats:
            args.nats_url = await own_nats(servers)
            print(f"nats-server of the run's own at {args.nats_url}")
        return await measure_on(args, deadline)


async def own_nats(exits: AsyncExitStack) -> str:
    """A JetStream server for this run only, stopped and removed through ``exits``."""
    folder = Path(tempfile.mkdtemp(prefix="cpu-per-message-nats-"))
    exits.callback(shutil.rmtree, folder, True)
    where = Endpoint("127.0.0.1", free_port())
    server = await start_nats(where, folder / "store", folder)
    exits.push_async_callback(server.stop, 10.0)
    return f"nats://127.0.0.1:{where.port}"


async def measure_on(args: argparse.Namespace, deadline: kit.Deadline) -> int:
    nats_pid = listening_pid(port_of(args.nats_url, 4222))
    redis_pid = listening_pid(port_of(args.redis_url, 6379))
    shared: dict[str, list[int]] = {
        "nats-server": [nats_pid] if nats_pid else [],
        "redis": [redis_pid] if redis_pid else [],
    }
    if not nats_pid:
        print("nats-server's process not found: its CPU is not counted")
    secrets = DevSecrets.generate()
    llm = kit.LlmStandIn(delay=0.0)
    waha = kit.WahaStandIn(secrets.waha_api_key)
    problems = kit.Problems()
    base_own = base_total = float("nan")
    async with AsyncExitStack() as exits:
        await kit.start_stand_ins(exits, llm.server, waha.server)

        if not args.no_baseline:
            # nats-server's idle rate before the pipeline exists: the pipeline's pull loop
            # must not wait over a second for a message (nats-py then raises a plain
            # TimeoutError its loop does not catch, and it stops consuming).
            base_idle = await idle_rates({"nats-server": shared["nats-server"]}, args.idle_seconds)
            async with AsyncExitStack() as side:
                pipeline = kit.BaselinePipeline(args.nats_url, waha)
                await deadline.wait_for(pipeline.start(side), "while starting the baseline")
                webhooks = kit.Webhooks(
                    pipeline.webhook_url, secrets.webhook_hmac_key, connections=args.connections
                )
                side.push_async_callback(webhooks.close)
                chats = [kit.chat_of(8, i) for i in range(args.warmup)]
                await one_run(webhooks, waha, chats, args.rate, deadline, "baseline warm-up")
                waha.reset()
                pids = {"baseline pipeline": pipeline.pids, "nats-server": shared["nats-server"]}
                meter = Meter(pids)
                meter.start()
                chats = [kit.chat_of(2, i) for i in range(args.messages)]
                wave = await one_run(webhooks, waha, chats, args.rate, deadline, "baseline")
                used = meter.stop()
                problems.replies(waha, wave.expected)
                problems.requests(waha, webhooks)
                rows = table(
                    "baseline (minimal pipeline)",
                    used,
                    len(wave.sent_at),
                    base_idle,
                    meter.wall,
                )
                base_own = rows["baseline pipeline"].ms
                base_total = base_own + rows["nats-server"].net
                total_line("total: pipeline", base_own)
                total_line("total: pipeline + nats-server (net)", base_total)
            waha.reset()

        llm_url = llm.url if args.answerer == "stand-in" else ""
        stack = Stack(kit.StackOptions.from_args(args, llm_url=llm_url), waha, secrets)
        stack.split_gateway = not args.one_gateway
        await deadline.wait_for(stack.start(exits), "while starting the services")
        webhooks = kit.Webhooks(
            stack.webhook_url, secrets.webhook_hmac_key, connections=args.connections
        )
        exits.push_async_callback(webhooks.close)
        answer = kit.ANSWER if llm_url else ""
        chats = [kit.chat_of(9, i) for i in range(args.warmup)]
        wave = await one_run(webhooks, waha, chats, args.rate, deadline, "in the warm-up")
        await stack.settle(deadline, "settling after the warm-up")
        problems.replies(waha, wave.expected, answer=answer)
        waha.reset()
        llm.reset()

        services = {p.name: [p.process.pid] for p in stack.processes}
        backends = await backend_pids(stack.database_url)
        pids = {**services, "nats-server": shared["nats-server"]}
        pids["postgres (run's db)"] = sorted(backends)
        pids["redis"] = shared["redis"]
        idle = await idle_rates(pids, args.idle_seconds)

        profilers = await start_profilers(services, args.py_spy) if args.py_spy else []
        traffic = NatsTraffic(stack.namespace) if args.count_nats else None
        if traffic is not None:
            await traffic.start(args.nats_url)
        meter = Meter(pids)
        meter.start()
        try:
            chats = [kit.chat_of(3, i) for i in range(args.messages)]
            wave = await one_run(webhooks, waha, chats, args.rate, deadline, "while measuring")
            await stack.settle(deadline, "settling after the run")
            late = {"postgres (run's db)": await backend_pids(stack.database_url)}
            used = meter.stop(late)
        finally:
            await stop_profilers(profilers)
            if traffic is not None:
                await traffic.stop()
        if profilers:
            print(f"py-spy profiles (raw collapsed stacks) in {args.py_spy}/")
        problems.replies(waha, wave.expected, answer=answer)
        problems.requests(waha, webhooks)
        await problems.stack(stack, llm if llm_url else None)

        count = len(wave.sent_at)
        rows = table("concierge", used, count, idle, meter.wall)
        if traffic is not None:
            traffic.report(count)
        own = sum(rows[name].ms for name in services)
        nats_net = rows["nats-server"].net
        total = own + nats_net
        print()
        total_line("total: services", own)
        total_line("total: services + nats-server (net)", total)
        total_line(
            "total: + postgres, redis (net)",
            total + rows["postgres (run's db)"].ms + rows["redis"].net,
        )
        if not args.no_baseline:
            print(
                f"\nratio to the baseline: services / pipeline {kit.ratio(own, base_own):.1f}; "
                f"with nats-server (net) {kit.ratio(total, base_total):.1f}"
            )
        print(f"stand-in LLM calls {llm.calls}; WAHA calls {dict(waha.calls)}")
        print(f"after the run: {kit.load_line()}\n")
        problems.report()
        return kit.EXIT_BROKEN if problems.lines else kit.EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return kit.run(lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
