"""What the tracing hooks cost per call, tracing off (the default) and on.

Each hook the hot path runs (publishing, consuming, RPC calling and serving, a
plain span, the log formatter's ids) is timed in a loop, first with tracing off
(no OTLP endpoint: :func:`concierge_common.tracing.configure` builds nothing),
then on, with a batch processor whose exporter drops the spans (the cost of
making them, not of sending them). Single process, no server needed.

    uv run python bench/tracing_overhead.py [--calls 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from concierge_common import tracing
from concierge_common.contracts.messages import MessageReceived

MESSAGE = MessageReceived(
    message_id="0" * 32,
    conversation_id="1" * 32,
    correlation_id="corr",
    session="default",
    chat_id="33600000000@c.us",
    sender_id="33600000000@c.us",
    provider_message_id="false_x",
    text="Bonjour",
)
PARENT = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}


class _Dropped(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _publishing() -> None:
    headers = {"Nats-Msg-Id": "m"}
    with tracing.publishing("inbound", MESSAGE, headers):
        pass


def _consuming() -> None:
    with tracing.consuming("router", "inbound", PARENT, MESSAGE, 1):
        pass


def _calling() -> None:
    headers = {"Correlation-Id": "c"}
    with tracing.calling("store", "session.open", headers):
        pass


def _serving() -> None:
    with tracing.serving("store", "session.open", PARENT):
        pass


def _span() -> None:
    with tracing.span("WAHA sendText"):
        pass


def _ids() -> None:
    tracing.ids()


def _empty() -> None:
    pass


HOOKS: dict[str, Callable[[], None]] = {
    "(empty call)": _empty,
    "publishing": _publishing,
    "consuming": _consuming,
    "calling (rpc)": _calling,
    "serving (rpc)": _serving,
    "span": _span,
    "ids (per log line)": _ids,
}


def _ns_per_call(hook: Callable[[], None], calls: int) -> float:
    hook()
    started = time.process_time_ns()
    for _ in range(calls):
        hook()
    return (time.process_time_ns() - started) / calls


def _measure(calls: int) -> dict[str, float]:
    return {name: _ns_per_call(hook, calls) for name, hook in HOOKS.items()}


async def _main(calls: int) -> None:
    off = _measure(calls)
    tracing.configure("bench", {}, exporter=_Dropped())
    on = _measure(calls // 10)
    tracing.shutdown()
    print(f"{'hook':<20} {'off ns/call':>12} {'on ns/call':>12}")
    for name in HOOKS:
        print(f"{name:<20} {off[name]:>12.0f} {on[name]:>12.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000, help="calls per hook, off")
    asyncio.run(_main(parser.parse_args().calls))


if __name__ == "__main__":
    main()
