"""The W3C trace context (``traceparent``, ``tracestate``) in NATS headers.

A bus message and an RPC request carry the context of the span that sent them
in their headers, so that the span that handles them continues the same trace.
Only the W3C format is written and read, whatever ``OTEL_PROPAGATORS`` says:
every service of the concierge speaks it, and nothing else reads these headers.
With tracing off nothing is written, and reading is skipped before any header
is looked at.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from concierge_common.tracing import provider

TRACEPARENT = "traceparent"

_W3C = TraceContextTextMapPropagator()


def inject(headers: MutableMapping[str, str], context: Context | None = None) -> None:
    """Write the trace context of ``context`` (default: the current one) into ``headers``."""
    if provider.tracer() is None:
        return
    _W3C.inject(headers, context=context)


def extract(headers: Mapping[str, str] | None) -> Context:
    """The trace context ``headers`` carry, to continue; empty (a new trace) when they
    carry none, or a malformed one, or tracing is off."""
    if provider.tracer() is None or not headers or TRACEPARENT not in headers:
        return Context()
    return _W3C.extract(headers, context=Context())
