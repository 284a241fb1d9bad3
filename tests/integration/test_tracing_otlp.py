"""Tracing on from the environment: spans reach an OTLP http/protobuf receiver.

A stand-in receiver (a small HTTP server decoding the OTLP protobuf request)
takes what the real exporter sends to ``OTEL_EXPORTER_OTLP_ENDPOINT``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from concierge_common import tracing


class _Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, ExportTraceServiceRequest]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.server.requests.append((self.path, request))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        tracing.shutdown()
        server.shutdown()
        server.server_close()


def test_spans_are_exported_over_otlp_with_the_service_name(receiver: _Receiver) -> None:
    assert tracing.configure("router", {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
    with tracing.span("process inbound", attributes={"concierge.service": "router"}):
        pass
    assert tracing.flush()  # the export is done when this returns

    [(path, request)] = receiver.requests
    assert path == "/v1/traces"
    [resource_spans] = request.resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert resource["service.name"] == "router"
    [scope_spans] = resource_spans.scope_spans
    assert scope_spans.scope.name == "concierge"
    assert [span.name for span in scope_spans.spans] == ["process inbound"]
