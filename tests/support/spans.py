"""Tracing on for one test, spans kept in memory, and ways to read them.

:func:`recording` turns the process's tracing on with the real setup
(:func:`concierge_common.tracing.configure`: batch processor, a short delay)
but an in-memory exporter in place of OTLP, and turns it off after: the
services of an in-process stack (:mod:`support.stack`) all trace into it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from concierge_common import tracing
from support.polling import wait_until

Spans = Sequence[ReadableSpan]


@contextlib.contextmanager
def recording(service: str = "concierge-test") -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert tracing.configure(service, {}, exporter=exporter, schedule_delay_millis=20)
    try:
        yield exporter
    finally:
        tracing.shutdown()


async def spans_until(exporter: InMemorySpanExporter, complete: Callable[[Spans], bool]) -> Spans:
    """The exported spans, once ``complete`` holds for them (polled, never a fixed sleep)."""
    await wait_until(lambda: complete(exporter.get_finished_spans()))
    return exporter.get_finished_spans()


def named(spans: Spans, name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def parent_of(spans: Spans, span: ReadableSpan) -> ReadableSpan | None:
    """The exported span ``span`` is the child of (None for a root or an unknown parent)."""
    if span.parent is None:
        return None
    found = [s for s in spans if s.context is not None and s.context.span_id == span.parent.span_id]
    return found[0] if found else None


def trace_of(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.trace_id)
