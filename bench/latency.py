"""Latency at a fixed rate: webhook-to-sendText p50 and p99, against a minimal pipeline.

Messages arrive at ``--rate`` per second for ``--duration`` seconds, each from a
conversation of its own, as signed WAHA webhooks. The answerer is instant (the
Messages API stand-in with no delay, or ``--answerer offline``), the router's
burst window and the gateway's typing pauses are off, so what is measured is the
pipeline itself: five services, their bus hops and their store calls.

Baseline, in the same run and at the same rate: the least a webhook-to-WhatsApp
pipeline on the same NATS can do (``concurrency_kit.BaselinePipeline``): an HTTP
endpoint publishing to a JetStream stream and a pull consumer POSTing each message
to the same WAHA stand-in's ``sendText``.

    uv run python bench/latency.py [--rate 100] [--duration 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import AsyncExitStack

import concurrency_kit as kit
from concierge_devkit.dev_secrets import DevSecrets
from concurrency_kit import percentile


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load")
    parser.add_argument("--warmup-seconds", type=float, default=3.0, help="load before measuring")
    parser.add_argument(
        "--answerer",
        choices=("stand-in", "offline"),
        default="stand-in",
        help="ai answers through the Messages API stand-in (0 s) or offline (no API key)",
    )
    parser.add_argument("--connections", type=int, default=32, help="webhook connections")
    kit.add_common_arguments(parser, max_seconds=600.0)
    return parser.parse_args(argv)


def summary(name: str, wave: kit.Wave, result: kit.Latencies) -> str:
    return (
        f"{name:<10} {len(wave.chats):>6} {wave.rate:>8.1f} {result.answered:>8} "
        f"{kit.millis(result.p50):>10} {kit.millis(percentile(result.values, 0.9)):>10} "
        f"{kit.millis(result.p99):>10} "
        f"{kit.millis(max(result.values, default=float('nan'))):>10} {kit.millis(wave.lag):>9}"
    )


HEADER = (
    f"{'side':<10} {'sent':>6} {'msg/s':>8} {'answered':>8} {'p50':>10} {'p90':>10} {'p99':>10} "
    f"{'max':>10} {'send lag':>9}"
)


async def baseline_side(
    args: argparse.Namespace, waha: kit.WahaStandIn, secrets: DevSecrets, deadline: kit.Deadline
) -> tuple[kit.Wave, kit.Latencies, kit.CpuUse, kit.Problems]:
    problems = kit.Problems()
    async with AsyncExitStack() as exits:
        pipeline = kit.BaselinePipeline(args.nats_url, waha)
        await deadline.wait_for(pipeline.start(exits), "while starting the baseline pipeline")
        webhooks = kit.Webhooks(
            pipeline.webhook_url, secrets.webhook_hmac_key, connections=args.connections
        )
        exits.push_async_callback(webhooks.close)
        warm = [kit.chat_of(8, i) for i in range(int(args.rate * args.warmup_seconds))]
        wave = await kit.send_wave(webhooks, warm, kit.QUESTION, rate=args.rate)
        await kit.wait_replies(waha, wave.expected, deadline, "in the baseline's warm-up")
        waha.reset()
        chats = [kit.chat_of(2, i) for i in range(int(args.rate * args.duration))]
        meter = await kit.CpuMeter(pipeline.pids).start()
        wave = await kit.send_wave(webhooks, chats, kit.QUESTION, rate=args.rate)
        done = await kit.wait_replies(
            waha, wave.expected, deadline, "before the baseline's replies"
        )
        cpu = await meter.stop()
        result = kit.Latencies.of(wave, waha)
        problems.replies(waha, wave.expected, answer=kit.ANSWER, complete=done)
        problems.requests(waha, webhooks)
    waha.reset()
    return wave, result, cpu, problems


async def measure(args: argparse.Namespace) -> int:
    deadline = kit.Deadline(args.max_seconds)
    print(
        f"latency: {args.rate:g} messages/s for {args.duration:g} s (+{args.warmup_seconds:g} s "
        f"warm-up), one conversation per message; answerer: {args.answerer} (instant); "
        f"{'production pacing' if args.production_pacing else 'no burst window, no typing pauses'}"
    )
    print(f"before the run: {kit.load_line()}", flush=True)
    secrets = DevSecrets.generate()
    llm = kit.LlmStandIn(delay=0.0)
    waha = kit.WahaStandIn(secrets.waha_api_key)
    async with AsyncExitStack() as exits:
        await kit.start_stand_ins(exits, llm.server, waha.server)
        base_wave, base, base_cpu, problems = await baseline_side(args, waha, secrets, deadline)
        print(f"\n{HEADER}\n{summary('baseline', base_wave, base)}", flush=True)

        llm_url = llm.url if args.answerer == "stand-in" else ""
        answer = kit.ANSWER if llm_url else ""
        stack = kit.ConciergeStack(kit.StackOptions.from_args(args, llm_url=llm_url), waha, secrets)
        started = time.monotonic()
        await deadline.wait_for(stack.start(exits), "while starting the services")
        webhooks = kit.Webhooks(
            stack.webhook_url, secrets.webhook_hmac_key, connections=args.connections
        )
        exits.push_async_callback(webhooks.close)
        warm = int(args.rate * args.warmup_seconds)
        await kit.warm_up(stack, webhooks, warm, deadline, problems, answer=answer, rate=args.rate)
        ready = time.monotonic() - started

        chats = [kit.chat_of(3, i) for i in range(int(args.rate * args.duration))]
        llm.reset()
        meter = await kit.CpuMeter(stack.pids, stack.database_url).start()
        wave = await kit.send_wave(webhooks, chats, kit.QUESTION, rate=args.rate)
        complete = await kit.wait_replies(waha, wave.expected, deadline, "before every reply")
        cpu = await meter.stop()
        result = kit.Latencies.of(wave, waha)
        if complete:
            await stack.settle(deadline, "settling after the load")
        problems.replies(waha, wave.expected, answer=answer, complete=complete)
        problems.requests(waha, webhooks)
        await problems.stack(stack, llm if llm_url else None)

        print(summary("concierge", wave, result))
        print(f"\nratio p50 (concierge/baseline): {kit.ratio(result.p50, base.p50):.2f}")
        print(f"ratio p99 (concierge/baseline): {kit.ratio(result.p99, base.p99):.2f}")
        print(f"\nbaseline  {base_cpu.line()}")
        print(f"concierge {cpu.line()}")
        print(
            f"stack: namespace {stack.namespace}, started and warmed up in {ready:.1f} s; "
            f"stand-in LLM calls {llm.calls}, peak in flight {llm.peak}"
        )
        return kit.conclude(stack, problems, complete=complete)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return kit.run(lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
