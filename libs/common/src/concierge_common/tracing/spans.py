"""Spans of the concierge's own, and what they may say.

:func:`span` is a context manager: with tracing off it is one shared
``nullcontext`` (nothing created, ``None`` given to the block); with tracing on,
a span of :mod:`~concierge_common.tracing.provider`'s tracer, made current for
the block. A span ended by an exception is marked failed with the exception's
class only (``error.type``): exception messages are not recorded, so that no
text of a message or chat id reaches the trace backend through one.

Attributes are bounded by their callers: names of flows, operations, endpoints,
models, message classes, counts, statuses, internal ids (a message id is a
derived hash); never a phone number, a chat id or a message body.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from opentelemetry.util.types import AttributeValue

from concierge_common.tracing import provider

Attributes = Mapping[str, AttributeValue]

_OFF: AbstractContextManager[None] = contextlib.nullcontext()


def enabled() -> bool:
    """Whether this process traces."""
    return provider.tracer() is not None


def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
    parent: Context | None = None,
) -> AbstractContextManager[Span | None]:
    """A span for the block (``None`` when tracing is off), child of ``parent`` if given,
    else of the current span."""
    tracer = provider.tracer()
    if tracer is None:
        return _OFF
    return _recording(tracer, name, kind, attributes, parent)


@contextlib.contextmanager
def _recording(
    tracer: Tracer,
    name: str,
    kind: SpanKind,
    attributes: Attributes | None,
    parent: Context | None,
) -> Iterator[Span]:
    with tracer.start_as_current_span(
        name,
        context=parent,
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as current:
        try:
            yield current
        except BaseException as exc:
            failed(current, type(exc).__name__)
            raise


def failed(current: Span | None, error_type: str) -> None:
    """Mark ``current`` failed, naming only the kind of error."""
    if current is None:
        return
    current.set_attribute("error.type", error_type)
    current.set_status(StatusCode.ERROR)


def note(current: Span | None, key: str, value: AttributeValue) -> None:
    """Set one attribute of ``current`` (nothing when tracing is off)."""
    if current is not None:
        current.set_attribute(key, value)


def ids() -> dict[str, str]:
    """The current span's trace and span ids, hex, for logs ({} when none is recorded)."""
    if provider.tracer() is None:
        return {}
    context = trace.get_current_span().get_span_context()
    if not context.is_valid or not context.trace_flags.sampled:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}
