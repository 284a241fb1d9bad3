"""Whether this process traces, and the tracer it traces with.

Tracing is on only when an OTLP endpoint is configured
(``OTEL_EXPORTER_OTLP_ENDPOINT``, or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` for
traces alone): :func:`configure` then builds an SDK tracer provider that sends
batches of spans over OTLP http/protobuf. Otherwise nothing is built, the SDK is
not even imported, and :func:`tracer` is ``None``: every helper of
:mod:`concierge_common.tracing` then returns at once, so the hot path pays one
attribute read per call.

The provider is this package's own, not OpenTelemetry's global one: the spans a
library would make on its own when a global provider exists (FastAPI's request
spans, the Anthropic SDK's call spans, which an environment variable can make
record message contents) stay off, and the concierge's spans are all the ones it
chose, with attributes it bounded (no phone number, chat id or message text).

``OTEL_SERVICE_NAME`` overrides the service's name; the sampler is the SDK's,
from ``OTEL_TRACES_SAMPLER`` and ``OTEL_TRACES_SAMPLER_ARG`` (every trace by
default, each service following the decision of the span it continues);
``OTEL_SDK_DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none`` keep tracing off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from opentelemetry.trace import Tracer

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger(__name__)

SCOPE = "concierge"

_tracer: Tracer | None = None
_provider: TracerProvider | None = None


def tracer() -> Tracer | None:
    """The tracer of this process; ``None`` when it does not trace."""
    return _tracer


def traces_endpoint(env: Mapping[str, str]) -> str:
    """Where spans are sent ("" when nowhere): the traces endpoint, or the base one's."""
    if _off(env):
        return ""
    specific = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if specific:
        return specific
    base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    return f"{base.rstrip('/')}/v1/traces" if base else ""


def _off(env: Mapping[str, str]) -> bool:
    disabled = env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    return disabled or env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none"


def configure(
    service: str,
    env: Mapping[str, str] | None = None,
    *,
    exporter: SpanExporter | None = None,
    schedule_delay_millis: float | None = None,
) -> bool:
    """Trace this process as ``service`` when ``env`` names an endpoint; whether it does.

    ``exporter`` replaces the OTLP one (tests read spans from memory with it) and
    turns tracing on whatever ``env`` says; ``schedule_delay_millis`` is the
    batch's delay (default: ``OTEL_BSP_SCHEDULE_DELAY``, else 5 s).
    """
    global _tracer, _provider
    env = os.environ if env is None else env
    if exporter is None:
        endpoint = traces_endpoint(env)
        if not endpoint:
            return False
        exporter = _otlp_exporter(endpoint)
    if _provider is not None:
        shutdown()
    _provider = _sdk_provider(env.get("OTEL_SERVICE_NAME", "").strip() or service)
    _provider.add_span_processor(_batch(exporter, schedule_delay_millis))
    _tracer = _provider.get_tracer(SCOPE)
    log.info("tracing on", extra={"exporter": type(exporter).__name__})
    return True


def shutdown() -> None:
    """Send what is still batched and stop tracing (a no-op when it is off)."""
    global _tracer, _provider
    provider, _provider, _tracer = _provider, None, None
    if provider is not None:
        provider.shutdown()


def flush(timeout_millis: int = 5000) -> bool:
    """Send what is batched now; False when it could not be sent in time."""
    return _provider.force_flush(timeout_millis) if _provider is not None else True


def _sdk_provider(service_name: str) -> TracerProvider:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    # sampler=None: the SDK reads OTEL_TRACES_SAMPLER (parent-based, always on by default).
    return TracerProvider(resource=Resource.create({"service.name": service_name}))


def _otlp_exporter(endpoint: str) -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=endpoint)


def _batch(exporter: SpanExporter, schedule_delay_millis: float | None) -> SpanProcessor:
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    return BatchSpanProcessor(exporter, schedule_delay_millis=schedule_delay_millis)
