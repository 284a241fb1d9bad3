"""Burst: N people ask one question at once while the LLM takes a fixed time to answer.

Every conversation sends one signed WAHA webhook to the gateway, all at once; ai
answers each with the real ``anthropic`` SDK against a local Messages API stand-in
that replies after ``--llm-delay`` seconds. The five services run as processes
(``--router-replicas`` and ``--ai-replicas`` of those two). The WAHA stand-in
records each person's ``sendText``.

Baseline, in the same run: N concurrent Messages API calls made directly with the
SDK (one client per ai replica) to the same stand-in; the time until all finished
is the least any pipeline calling that LLM could take.

    uv run python bench/burst.py [--conversations 500] [--llm-delay 2.0]
    uv run python bench/burst.py --conversations 5000 --router-replicas 2 --ai-replicas 2
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass

import msgspec
from anthropic import AsyncAnthropic

import concurrency_kit as kit
from ai.settings import AiSettings
from concierge_common import settings as settings_module
from concierge_common.errors import ConfigError
from concierge_devkit.dev_secrets import DevSecrets

# A setting that would bound how many LLM calls one ai process makes at once.
CONCURRENCY_SETTING = re.compile(r"concurren|parallel|in_flight|inflight|max_calls")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=500, help="people, one question each")
    parser.add_argument("--llm-delay", type=float, default=2.0, help="seconds per LLM answer")
    parser.add_argument("--router-replicas", type=int, default=1)
    parser.add_argument("--ai-replicas", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=16, help="conversations before measuring")
    parser.add_argument("--connections", type=int, default=64, help="webhook connections")
    kit.add_common_arguments(parser, max_seconds=900.0)
    return parser.parse_args(argv)


# -- the baseline -------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    seconds: float  # until the last call returned
    peak: int  # the stand-in's calls in flight at most
    failures: int
    cpu: float  # this process's CPU seconds meanwhile (SDK and stand-in)


async def sdk_baseline(llm: kit.LlmStandIn, count: int, clients: int) -> Baseline:
    """``count`` concurrent SDK calls over ``clients`` clients, all from this process."""
    llm.reset()
    sdks = [
        AsyncAnthropic(
            api_key="sk-bench-stand-in",
            base_url=llm.url,
            max_retries=0,
            timeout=llm.delay * 10 + 60,
        )
        for _ in range(clients)
    ]

    async def call(index: int) -> None:
        await sdks[index % clients].messages.create(
            model="claude-haiku-5-5",
            max_tokens=600,
            messages=[{"role": "user", "content": kit.QUESTION}],
        )

    started, cpu = time.monotonic(), time.process_time()
    try:
        results = await asyncio.gather(*(call(i) for i in range(count)), return_exceptions=True)
    finally:
        for sdk in sdks:
            await sdk.close()
    elapsed = time.monotonic() - started
    failures = sum(isinstance(result, BaseException) for result in results)
    return Baseline(elapsed, llm.peak, failures, time.process_time() - cpu)


# -- what the configuration allows --------------------------------------------------------


def sdk_pool_limit() -> int:
    """Connections one ``AsyncAnthropic`` opens at most (the SDK's default pool)."""
    try:
        from anthropic._constants import DEFAULT_CONNECTION_LIMITS

        return int(DEFAULT_CONNECTION_LIMITS.max_connections or 0) or 1000
    except (ImportError, AttributeError):
        return 1000


def turn_concurrency(stack: kit.ConciergeStack) -> int | None:
    """How many turns one ai process answers at once, as ai computes it (when it says)."""
    try:
        settings = settings_module.load(AiSettings, stack.env)
    except ConfigError:
        return None
    method = getattr(settings, "turn_concurrency", None)
    return int(method()) if callable(method) else None


def expectations(
    args: argparse.Namespace, stack: kit.ConciergeStack, chats: list[str]
) -> list[str]:
    delay, count, replicas = args.llm_delay, args.conversations, args.ai_replicas
    lines = []
    names = [
        f.name for f in msgspec.structs.fields(AiSettings) if CONCURRENCY_SETTING.search(f.name)
    ]
    found = ", ".join(f"{n.upper()}={stack.setting(AiSettings, n)}" for n in names)
    turns = turn_concurrency(stack)
    if turns is not None:
        rounds = math.ceil(count / (turns * replicas))
        lines.append(
            f"ai turns at once: {turns} per ai process (AiSettings.turn_concurrency(); {found}) "
            f"x{replicas} -> at least {rounds} x {delay:g} s = {rounds * delay:.1f} s "
            "(partitions assumed evenly shared by the replicas)"
        )
    elif names:
        for name in names:
            value = stack.setting(AiSettings, name)
            limit = f"{value}" if isinstance(value, int | float) and value > 0 else "0 (no limit)"
            lines.append(f"ai setting {name.upper()}={limit} (per ai process, x{replicas})")
            if isinstance(value, int | float) and value > 0:
                rounds = math.ceil(count / (value * replicas))
                lines.append(
                    f"  -> at least {rounds} x {delay:g} s = {rounds * delay:.1f} s "
                    "(partitions assumed evenly shared by the replicas)"
                )
    else:
        lines.append("ai LLM concurrency setting: none (no AI_* setting limits concurrent calls)")
    pool = sdk_pool_limit()
    rounds = math.ceil(count / (pool * replicas))
    lines.append(
        f"anthropic SDK connection pool: {pool} per ai process x{replicas} -> "
        f"at least {rounds} x {delay:g} s = {rounds * delay:.1f} s"
    )
    partitions = stack.partitions()
    loads = [0] * partitions
    for chat in chats:
        loads[stack.partition_of(chat)] += 1
    busiest = max(loads)
    lines.append(
        f"serial lanes (one message per flow and partition at a time, the bus before "
        f"961be3f), {partitions} partitions: the busiest carries {busiest} conversations -> "
        f"at least {busiest} x {delay:g} s = {busiest * delay:.1f} s"
    )
    return lines


# -- the run ------------------------------------------------------------------------------


async def measure(args: argparse.Namespace) -> int:
    deadline = kit.Deadline(args.max_seconds)
    count = args.conversations
    print(
        f"burst: {count} conversations x 1 question at once; LLM stand-in answers after "
        f"{args.llm_delay:g} s; router x{args.router_replicas}, ai x{args.ai_replicas}; "
        f"{args.connections} webhook connections"
    )
    print(f"before the run: {kit.load_line()}", flush=True)
    secrets = DevSecrets.generate()
    llm = kit.LlmStandIn(delay=args.llm_delay)
    waha = kit.WahaStandIn(secrets.waha_api_key)
    problems = kit.Problems()
    async with AsyncExitStack() as exits:
        await kit.start_stand_ins(exits, llm.server, waha.server)

        base = await deadline.wait_for(
            sdk_baseline(llm, count, args.ai_replicas), "during the baseline"
        )
        base_seconds = base.seconds
        print(
            f"\nbaseline: {count} concurrent Messages API calls (anthropic SDK, "
            f"{args.ai_replicas} client(s)) all done in {kit.seconds(base_seconds)}; "
            f"stand-in peak in flight {base.peak}; this process's CPU "
            f"{base.cpu:.1f} s ({base.cpu / count * 1000:.1f} ms a call, SDK and stand-in)",
            flush=True,
        )
        if base.failures:
            problems.add(f"{base.failures} baseline SDK call(s) failed")

        options = kit.StackOptions.from_args(
            args,
            llm_url=llm.url,
            router_replicas=args.router_replicas,
            ai_replicas=args.ai_replicas,
        )
        stack = kit.ConciergeStack(options, waha, secrets)
        started = time.monotonic()
        await deadline.wait_for(stack.start(exits), "while starting the services")
        print(f"stack ready in {time.monotonic() - started:.1f} s (namespace {stack.namespace})")
        webhooks = kit.Webhooks(
            stack.webhook_url, secrets.webhook_hmac_key, connections=args.connections
        )
        exits.push_async_callback(webhooks.close)

        await kit.warm_up(stack, webhooks, args.warmup, deadline, problems)

        chats = [kit.chat_of(1, index) for index in range(count)]
        waha.reset()
        llm.reset()
        meter = await kit.CpuMeter(stack.pids, stack.database_url).start()
        wave = await kit.send_wave(webhooks, chats, kit.QUESTION)
        expected = wave.expected
        complete = await kit.wait_replies(waha, expected, deadline, "before every reply came")
        cpu = await meter.stop()
        result = kit.Latencies.of(wave, waha)
        if complete:
            await stack.settle(deadline, "settling after the burst")
        problems.replies(waha, expected, answer=kit.ANSWER, complete=complete)
        problems.requests(waha, webhooks)
        await problems.stack(stack, llm)

        print(
            f"\nconcierge: {count} webhooks posted in {kit.seconds(wave.posted - wave.started)}; "
            f"{result.answered}/{count} answered"
        )
        print(f"  last person's sendText after {kit.seconds(result.last)} (from the first webhook)")
        print(
            f"  webhook-to-sendText p50 {kit.seconds(result.p50)}, p99 {kit.seconds(result.p99)}, "
            f"mean {kit.seconds(result.mean)}"
        )
        print(f"  stand-in: {llm.calls} calls, peak in flight {llm.peak}")
        print(f"  {cpu.line()}")
        print(f"\nratio last sendText / baseline: {kit.ratio(result.last, base_seconds):.2f}")
        print(f"ratio p50 / baseline: {kit.ratio(result.p50, base_seconds):.2f}")
        print("\nwhat the configuration allows:")
        for line in expectations(args, stack, chats):
            print(f"  {line}")
        return kit.conclude(stack, problems, complete=complete)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return kit.run(lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
