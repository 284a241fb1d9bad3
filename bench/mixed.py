"""Mixed: one conversation's LLM call hangs while many others ask one question each.

Two waves of ``--conversations`` people (one question each, all at once) go through
the same running concierge; the Messages API stand-in answers every call after
``--llm-delay`` seconds:

- **baseline**: no call hangs;
- **hang**: first one more person asks a question carrying a marker, and the
  stand-in holds every call whose request holds the marker for ``--hang-seconds``;
  once that call is being held, the wave is sent.

Printed for each wave: webhook-to-sendText p50 and p99 and the time until the last
person of the wave had their reply, and the hang/baseline ratios. The held person's
own reply time is printed too (it should be about ``--hang-seconds``).

So that the held call really lasts ``--hang-seconds`` (and is not cut by the SDK's
timeout, 15 s by default, then retried), the services get
``AI_CLAUDE_TIMEOUT_SECONDS`` = hang + 15 and ``BUS_ACK_WAIT_SECONDS`` = hang + 45
(the ai refuses a timeout that is not below the ack wait).

    uv run python bench/mixed.py [--conversations 200] [--hang-seconds 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import AsyncExitStack

import concurrency_kit as kit
from concierge_devkit.dev_secrets import DevSecrets


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=200, help="people in each wave")
    parser.add_argument("--llm-delay", type=float, default=1.0, help="seconds per LLM answer")
    parser.add_argument("--hang-seconds", type=float, default=30.0, help="the held call's time")
    parser.add_argument("--warmup", type=int, default=16, help="conversations before measuring")
    parser.add_argument("--connections", type=int, default=64, help="webhook connections")
    kit.add_common_arguments(parser, max_seconds=600.0)
    return parser.parse_args(argv)


def line(side: str, result: kit.Latencies) -> str:
    return (
        f"{side:<9} {result.asked:>6} {result.answered:>8} {kit.seconds(result.p50):>10} "
        f"{kit.seconds(result.p99):>10} {kit.seconds(result.last):>10}"
    )


HEADER = f"{'wave':<9} {'people':>6} {'answered':>8} {'p50':>10} {'p99':>10} {'last':>10}"


async def wave_of(
    stack: kit.ConciergeStack,
    webhooks: kit.Webhooks,
    phase: int,
    count: int,
    deadline: kit.Deadline,
    problems: kit.Problems,
) -> tuple[kit.Latencies, bool]:
    chats = [kit.chat_of(phase, i) for i in range(count)]
    wave = await kit.send_wave(webhooks, chats, kit.QUESTION)
    complete = await kit.wait_replies(stack.waha, wave.expected, deadline, "in a wave")
    problems.replies(stack.waha, wave.expected, answer=kit.ANSWER, complete=complete)
    return kit.Latencies.of(wave, stack.waha), complete


async def measure(args: argparse.Namespace) -> int:
    deadline = kit.Deadline(args.max_seconds)
    hang = args.hang_seconds
    print(
        f"mixed: {args.conversations} conversations x 1 question, LLM stand-in answers after "
        f"{args.llm_delay:g} s; in the hang wave one more conversation's call is held {hang:g} s"
    )
    print(f"before the run: {kit.load_line()}", flush=True)
    secrets = DevSecrets.generate()
    llm = kit.LlmStandIn(delay=args.llm_delay, hang_marker=kit.HANG_MARKER, hang_seconds=hang)
    waha = kit.WahaStandIn(secrets.waha_api_key)
    problems = kit.Problems()
    timeouts = {
        "AI_CLAUDE_TIMEOUT_SECONDS": f"{hang + 15:g}",
        "BUS_ACK_WAIT_SECONDS": f"{hang + 45:g}",
    }
    async with AsyncExitStack() as exits:
        await kit.start_stand_ins(exits, llm.server, waha.server)
        options = kit.StackOptions.from_args(args, llm_url=llm.url, extra_env=timeouts)
        stack = kit.ConciergeStack(options, waha, secrets)
        started = time.monotonic()
        await deadline.wait_for(stack.start(exits), "while starting the services")
        webhooks = kit.Webhooks(
            stack.webhook_url, secrets.webhook_hmac_key, connections=args.connections
        )
        exits.push_async_callback(webhooks.close)
        await kit.warm_up(stack, webhooks, args.warmup, deadline, problems)
        print(f"stack ready and warm in {time.monotonic() - started:.1f} s", flush=True)

        meter = await kit.CpuMeter(stack.pids, stack.database_url).start()
        base, complete = await wave_of(stack, webhooks, 4, args.conversations, deadline, problems)
        if complete:
            await stack.settle(deadline, "settling after the baseline wave")
        print(f"\n{HEADER}\n{line('baseline', base)}", flush=True)

        held_chat = kit.chat_of(5, 0)
        llm.hang_started.clear()
        held = await kit.send_wave(webhooks, [held_chat], f"{kit.QUESTION} {kit.HANG_MARKER}")
        await deadline.wait_for(llm.hang_started.wait(), "before the held call reached the LLM")
        hung, done = await wave_of(stack, webhooks, 6, args.conversations, deadline, problems)
        complete = complete and done
        print(line("hang", hung), flush=True)
        complete = complete and await kit.wait_replies(
            waha, held.expected, deadline, "before the held person's reply"
        )
        held_result = kit.Latencies.of(held, waha)
        cpu = await meter.stop()
        if complete:
            await stack.settle(deadline, "settling after the hang wave")
        problems.replies(waha, held.expected, answer=kit.ANSWER, complete=complete)
        problems.requests(waha, webhooks)
        await problems.stack(stack, llm)

        print(f"\nheld person's reply after {kit.seconds(held_result.last)} (held {hang:g} s)")
        part = stack.partition_of(held_chat)
        sharing = sum(
            stack.partition_of(kit.chat_of(6, i)) == part for i in range(args.conversations)
        )
        print(
            f"people of the hang wave whose conversation is on the held one's bus partition: "
            f"{sharing} (of {args.conversations}, {stack.partitions()} partitions)"
        )
        print(f"ratio p50 (hang/baseline): {kit.ratio(hung.p50, base.p50):.2f}")
        print(f"ratio p99 (hang/baseline): {kit.ratio(hung.p99, base.p99):.2f}")
        print(f"ratio last reply (hang/baseline): {kit.ratio(hung.last, base.last):.2f}")
        print(f"\n{cpu.line()}")
        print(
            f"stack: namespace {stack.namespace}; stand-in LLM calls {llm.calls} "
            f"({llm.hung} held), peak in flight {llm.peak}"
        )
        return kit.conclude(stack, problems, complete=complete)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return kit.run(lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
