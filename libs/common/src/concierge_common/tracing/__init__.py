"""OpenTelemetry traces: one WhatsApp message, one trace, across every service.

:mod:`.provider` turns tracing on from the environment (an OTLP endpoint) or
leaves it off at no cost; :mod:`.spans` makes the concierge's spans;
:mod:`.propagation` carries the W3C trace context in NATS headers;
:mod:`.messaging` has the spans of the bus and of RPC. docs/traces.md lists the
spans and what each one says.
"""

from concierge_common.tracing.messaging import calling, consuming, publishing, serving
from concierge_common.tracing.propagation import extract, inject
from concierge_common.tracing.provider import configure, flush, shutdown, tracer
from concierge_common.tracing.spans import enabled, failed, ids, note, span

__all__ = [
    "calling",
    "configure",
    "consuming",
    "enabled",
    "extract",
    "failed",
    "flush",
    "ids",
    "inject",
    "note",
    "publishing",
    "serving",
    "shutdown",
    "span",
    "tracer",
]
