"""The W3C trace context in NATS headers: written by producers, continued by consumers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.trace import SpanKind

from concierge_common import tracing
from concierge_common.contracts.messages import BusMessage
from support.bus_messages import numbered_message
from support.spans import recording

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture(autouse=True)
def tracing_off_after() -> Iterator[None]:
    yield
    tracing.shutdown()


def _message() -> BusMessage:
    return numbered_message(1)


def test_off_nothing_is_written_and_nothing_is_read() -> None:
    headers = {"Nats-Msg-Id": "m1"}
    with tracing.publishing("inbound", _message(), headers) as span:
        assert span is None
    assert headers == {"Nats-Msg-Id": "m1"}
    assert not tracing.extract({"traceparent": TRACEPARENT})
    with tracing.consuming("router", "inbound", {"traceparent": TRACEPARENT}, _message(), 1) as s:
        assert s is None


def test_publishing_writes_the_producer_span_context_into_the_headers() -> None:
    headers = {"Nats-Msg-Id": "m1"}
    with recording(), tracing.publishing("inbound", _message(), headers) as span:
        assert span is not None
        context = span.get_span_context()
    version, trace_id, span_id, flags = headers["traceparent"].split("-")
    assert version == "00"
    assert int(flags, 16) & 1  # sampled
    assert int(trace_id, 16) == context.trace_id
    assert int(span_id, 16) == context.span_id
    assert headers["Nats-Msg-Id"] == "m1"


def test_a_consumer_span_is_the_child_of_the_context_its_headers_carry() -> None:
    with recording() as exporter:
        headers = {"traceparent": TRACEPARENT}
        with tracing.consuming("router", "inbound", headers, _message(), 2):
            pass
        tracing.flush()
        [span] = exporter.get_finished_spans()
    assert span.kind is SpanKind.CONSUMER
    assert span.name == "process inbound"
    assert span.context is not None
    assert span.parent is not None
    assert f"{span.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
    assert f"{span.parent.span_id:016x}" == "b7ad6b7169203331"
    assert span.parent.is_remote
    assert span.attributes is not None
    assert span.attributes["concierge.delivery.attempt"] == 2
    assert span.attributes["messaging.destination.name"] == "inbound"


@pytest.mark.parametrize("headers", [None, {}, {"traceparent": "not-a-traceparent"}])
def test_a_consumer_span_without_a_valid_context_starts_a_trace(
    headers: dict[str, str] | None,
) -> None:
    with recording() as exporter:
        with tracing.span("unrelated"), tracing.consuming("ai", "ai", headers, _message(), 1):
            pass
        tracing.flush()
        spans = {span.name: span for span in exporter.get_finished_spans()}
    assert spans["process ai"].parent is None


def test_an_rpc_request_carries_the_client_span_to_the_server_span() -> None:
    with recording() as exporter:
        headers: dict[str, str] = {}
        with tracing.calling("store", "session.open", headers):
            pass
        with tracing.serving("store", "session.open", headers):
            pass
        tracing.flush()
        spans = {span.kind: span for span in exporter.get_finished_spans()}
    client, server = spans[SpanKind.CLIENT], spans[SpanKind.SERVER]
    assert server.parent is not None
    assert client.context is not None
    assert server.parent.span_id == client.context.span_id
    assert server.name == client.name == "store/session.open"


def test_no_span_attribute_carries_the_conversation_or_the_text() -> None:
    message = _message()
    with recording() as exporter:
        with tracing.publishing("inbound", message, {}):
            pass
        tracing.flush()
        [span] = exporter.get_finished_spans()
    assert span.attributes is not None
    values = {str(value) for value in span.attributes.values()}
    assert message.conversation_id not in values
    assert not any("33600000030" in value or "Bonjour" in value for value in values)
