"""The spans of the bus: publishing, handling a delivery, asking and answering over RPC.

A published message carries its producer span's context in its headers; the
consumer span of each service that handles it is that span's child, so one
WhatsApp message is one trace from the webhook to the reply sent to WAHA. An
RPC request carries its client span's context the same way to the server span
that answers it.

With tracing off each helper returns the shared ``nullcontext`` before touching
its arguments: no span, no header written or read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager

from opentelemetry.trace import Span, SpanKind

from concierge_common.contracts.messages import BusMessage
from concierge_common.tracing import propagation, provider
from concierge_common.tracing.spans import Attributes, span

_OFF: AbstractContextManager[None] = contextlib.nullcontext()

SYSTEM = "nats"


def publishing(
    flow: str, message: BusMessage, headers: MutableMapping[str, str]
) -> AbstractContextManager[Span | None]:
    """The producer span of publishing ``message`` on ``flow``; writes its context into
    ``headers`` (which the block then publishes)."""
    if provider.tracer() is None:
        return _OFF
    return _publishing(flow, message, headers)


@contextlib.contextmanager
def _publishing(
    flow: str, message: BusMessage, headers: MutableMapping[str, str]
) -> Iterator[Span | None]:
    attributes: Attributes = {
        "messaging.system": SYSTEM,
        "messaging.operation.type": "send",
        "messaging.destination.name": flow,
        "messaging.message.id": message.message_id,
        "concierge.message.type": type(message).__name__,
    }
    with span(f"publish {flow}", kind=SpanKind.PRODUCER, attributes=attributes) as current:
        propagation.inject(headers)
        yield current


def consuming(
    service: str,
    flow: str,
    headers: Mapping[str, str] | None,
    message: BusMessage,
    attempt: int,
) -> AbstractContextManager[Span | None]:
    """The consumer span of ``service`` handling ``message`` from ``flow``, child of the
    span that published it (a new trace when its headers carry no context)."""
    if provider.tracer() is None:
        return _OFF
    attributes: Attributes = {
        "messaging.system": SYSTEM,
        "messaging.operation.type": "process",
        "messaging.destination.name": flow,
        "messaging.consumer.group.name": service,
        "messaging.message.id": message.message_id,
        "concierge.message.type": type(message).__name__,
        "concierge.service": service,
        "concierge.delivery.attempt": attempt,
    }
    return span(
        f"process {flow}",
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        parent=propagation.extract(headers),
    )


def calling(
    service: str, operation: str, headers: MutableMapping[str, str]
) -> AbstractContextManager[Span | None]:
    """The client span of asking ``service`` for ``operation``; writes its context into
    ``headers`` (which the block then sends)."""
    if provider.tracer() is None:
        return _OFF
    return _calling(service, operation, headers)


@contextlib.contextmanager
def _calling(
    service: str, operation: str, headers: MutableMapping[str, str]
) -> Iterator[Span | None]:
    attributes = {"rpc.system": SYSTEM, "rpc.service": service, "rpc.method": operation}
    with span(f"{service}/{operation}", kind=SpanKind.CLIENT, attributes=attributes) as current:
        propagation.inject(headers)
        yield current


def serving(
    service: str, operation: str, headers: Mapping[str, str] | None
) -> AbstractContextManager[Span | None]:
    """The server span of ``service`` answering ``operation``, child of the caller's span."""
    if provider.tracer() is None:
        return _OFF
    attributes: Attributes = {
        "rpc.system": SYSTEM,
        "rpc.service": service,
        "rpc.method": operation,
        "concierge.service": service,
    }
    return span(
        f"{service}/{operation}",
        kind=SpanKind.SERVER,
        attributes=attributes,
        parent=propagation.extract(headers),
    )
