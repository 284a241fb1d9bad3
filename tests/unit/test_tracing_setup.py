"""Tracing from the environment: off (nothing built) unless an OTLP endpoint is set."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from concierge_common import tracing
from concierge_common.logs import JsonFormatter
from concierge_common.tracing import provider
from support.spans import recording


@pytest.fixture(autouse=True)
def tracing_off_after() -> Iterator[None]:
    yield
    tracing.shutdown()


def test_without_an_endpoint_nothing_is_built_and_spans_are_nothing() -> None:
    assert not tracing.configure("router", {})
    assert tracing.tracer() is None
    assert not tracing.enabled()
    with tracing.span("anything") as span:
        assert span is None
    assert tracing.ids() == {}


def test_the_global_provider_is_left_to_opentelemetry() -> None:
    with recording():
        assert not isinstance(trace.get_tracer_provider(), TracerProvider)


def test_an_endpoint_turns_tracing_on_with_the_otlp_exporter() -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}
    assert tracing.configure("router", env)
    assert tracing.enabled()
    assert provider._provider is not None
    assert provider._provider.resource.attributes["service.name"] == "router"


def test_the_traces_endpoint_is_the_base_one_with_its_path() -> None:
    assert provider.traces_endpoint({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318/"}) == (
        "http://jaeger:4318/v1/traces"
    )
    specific = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://tempo:4318/v1/traces",
    }
    assert provider.traces_endpoint(specific) == "http://tempo:4318/v1/traces"


@pytest.mark.parametrize(
    "switch", [{"OTEL_SDK_DISABLED": "true"}, {"OTEL_TRACES_EXPORTER": "none"}]
)
def test_the_standard_switches_keep_tracing_off_despite_an_endpoint(
    switch: dict[str, str],
) -> None:
    assert not tracing.configure("ai", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", **switch})
    assert tracing.tracer() is None


def test_otel_service_name_overrides_the_service_name() -> None:
    env = {"OTEL_SERVICE_NAME": "parish-gateway"}
    assert tracing.configure("gateway", env, exporter=InMemorySpanExporter())
    assert provider._provider is not None
    assert provider._provider.resource.attributes["service.name"] == "parish-gateway"


def test_a_span_is_exported_and_shutdown_turns_tracing_off() -> None:
    with recording() as exporter:
        with tracing.span("work", attributes={"concierge.service": "router"}):
            pass
        assert tracing.flush()
        [span] = exporter.get_finished_spans()
        assert span.name == "work"
        assert span.attributes == {"concierge.service": "router"}
    assert tracing.tracer() is None


def test_a_failed_span_names_the_error_class_but_not_its_message() -> None:
    with recording() as exporter:
        with pytest.raises(ValueError, match="private"), tracing.span("work"):
            raise ValueError("33612345678 said something private")
        tracing.flush()
        [span] = exporter.get_finished_spans()
    assert span.status.status_code is trace.StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "ValueError"
    assert "33612345678" not in str(span.to_json())
    assert not span.events


def _line(message: str) -> dict[str, object]:
    record = logging.LogRecord("svc", logging.INFO, __file__, 1, message, None, None)
    parsed: dict[str, object] = json.loads(JsonFormatter("router").format(record))
    return parsed


def test_log_lines_carry_the_trace_and_span_ids_of_the_current_span() -> None:
    with recording(), tracing.span("work") as span:
        assert span is not None
        inside = _line("x")
        context = span.get_span_context()
    assert inside["trace_id"] == f"{context.trace_id:032x}"
    assert inside["span_id"] == f"{context.span_id:016x}"
    assert "trace_id" not in _line("y")


def test_log_lines_carry_no_trace_id_when_tracing_is_off() -> None:
    with tracing.span("work"):
        assert "trace_id" not in _line("x")
