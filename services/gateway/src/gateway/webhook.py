"""``POST /webhook``: WAHA's events in, normalised messages onto the bus.

A person's message (``MessageReceived``) and a human's message from the
organisation's phone (``OperatorMessageSeen``) both go to the person's
``inbound`` flow, in the order WAHA delivers them.

The answer is 200 only once JetStream has stored the message. 401 for a bad
signature, 4xx for a body that cannot be used (nothing is published): 413 past
the body limit (checked while the body is read), 422 for a field longer than any
real one (:mod:`gateway.edge_bounds`), 400 for an event older than the replay
window (:mod:`gateway.replay`) or nested deeper than the decoders go (WAHA's own
bodies are a few levels deep), 413 for a message the bus refuses as too large
(never a 503: WAHA would retry it for ever). 503 with ``Retry-After`` when NATS
cannot take the message, so that WAHA retries. The handler does nothing else: the
reply is produced asynchronously.
"""

from __future__ import annotations

import logging
import time

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind

from concierge_common import tracing
from concierge_common.bus.http_limits import BodyTooLarge
from concierge_common.contracts.messages import OperatorMessageSeen, ReceiptSeen
from concierge_common.contracts.problems import problem
from concierge_common.errors import BusUnavailable, InvalidRequest
from concierge_common.metrics import child
from gateway import edge_bounds, metrics, receipts_normalize, signature
from gateway.api.errors import title_of
from gateway.edge_bounds import FieldTooLong
from gateway.ingest import Ingest, TooLargeForBus
from gateway.normalize import Ignored, SessionStatusChange, normalize, parse_envelope
from gateway.replay import Replayed, ReplayWindow
from gateway.settings import GatewaySettings
from gateway.waha_session import SessionWatch

log = logging.getLogger(__name__)


class WebhookEndpoint:
    """The webhook handler, with its dependencies passed in explicitly."""

    def __init__(
        self, settings: GatewaySettings, ingest: Ingest, sessions: SessionWatch | None = None
    ) -> None:
        self._settings = settings
        self._ingest = ingest
        self._sessions = sessions
        self._replay = ReplayWindow(settings.gateway_webhook_max_age_seconds)

    async def __call__(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            # The trace of a WhatsApp message starts here (a context WAHA might send is not
            # continued: the webhook is the edge).
            with tracing.span(
                "POST /webhook", kind=SpanKind.SERVER, attributes=_SPAN_ATTRIBUTES, parent=_ROOT
            ) as span:
                response = await self._handle(request)
                if span is not None:
                    _note_response(span, response.status_code)
                return response
        finally:
            metrics.WEBHOOK_SECONDS.observe(time.perf_counter() - started)

    async def _handle(self, request: Request) -> Response:
        try:
            raw = await request.body()  # bounded while read (BodyLimit, the app's middleware)
        except BodyTooLarge:
            return _refused("too_large", 413, "webhook body exceeds the configured limit")
        if len(raw) > self._settings.gateway_max_body_bytes:
            return _refused("too_large", 413, "webhook body exceeds the configured limit")
        key = self._settings.waha_webhook_hmac_key
        headers = request.headers
        if key and not signature.verify(
            key, raw, headers.get("x-webhook-hmac"), headers.get("x-webhook-hmac-algorithm")
        ):
            child(metrics.WEBHOOKS, "unknown", "unauthorized").inc()
            log.warning("webhook with a missing or wrong HMAC signature")
            return problem(401, "Unauthorized", "missing or invalid X-Webhook-Hmac signature")
        try:
            envelope = parse_envelope(raw)
            event = envelope.event or "unknown"
            edge_bounds.check_envelope(envelope)
            self._replay.check(envelope.timestamp)
            result = normalize(
                envelope,
                conversation_key=self._settings.conversation_id_key,
                default_session=self._settings.waha_session,
                staff_chat_id=self._settings.staff_chat_id,
            )
            edge_bounds.check_result(result)
        except FieldTooLong as exc:
            return _refused("oversized_field", exc.status, str(exc))
        except Replayed as exc:
            log.warning("webhook refused: %s", exc)
            return _refused("replayed", exc.status, str(exc))
        except InvalidRequest as exc:
            child(metrics.WEBHOOKS, "unknown", "rejected").inc()
            return problem(exc.status, "Invalid webhook", str(exc))
        except RecursionError:  # msgspec's decoders, even when skipping a field
            child(metrics.WEBHOOKS, "unknown", "rejected").inc()
            return problem(400, "Invalid webhook", "body nested too deeply")
        except UnicodeDecodeError:  # msgspec checks a string's UTF-8 only when it reads it
            child(metrics.WEBHOOKS, "unknown", "rejected").inc()
            return problem(400, "Invalid webhook", "body is not valid UTF-8")
        if isinstance(result, Ignored):
            child(metrics.WEBHOOKS, _event_label(event), "ignored").inc()
            child(metrics.IGNORED, result.reason).inc()
            return JSONResponse({"status": "ignored", "reason": result.reason})
        if isinstance(result, SessionStatusChange):
            if self._sessions is not None:
                await self._sessions.observe(result)
            child(metrics.WEBHOOKS, _event_label(event), "accepted").inc()
            return JSONResponse({"status": "accepted", "session_status": result.status})
        try:
            if isinstance(result, ReceiptSeen):
                ack = await self._ingest.receipt(result)
            else:
                ack = await self._ingest.message(result)
        except TooLargeForBus:
            return _refused("bus_refused", 413, "message too large to be carried")
        except BusUnavailable:
            child(metrics.WEBHOOKS, _event_label(event), "unavailable").inc()
            log.warning("bus unavailable, asking WAHA to retry")
            return problem(
                503, "Service Unavailable", "message bus unavailable", headers={"Retry-After": "2"}
            )
        child(metrics.WEBHOOKS, _event_label(event), "accepted").inc()
        if isinstance(result, OperatorMessageSeen):
            metrics.OPERATOR_MESSAGES.inc()
        elif isinstance(result, ReceiptSeen) and not ack.duplicate:
            child(metrics.RECEIPTS, result.kind, receipts_normalize.metric_value(result)).inc()
        # DEBUG: this is the hot path (an INFO line per webhook cost ~25% of throughput);
        # the router logs each message at INFO with the same ids.
        log.debug(
            "webhook accepted",
            extra={
                "conversation_id": result.conversation_id,
                "message_id": result.message_id,
                "duplicate": ack.duplicate,
            },
        )
        return Response(
            _DUPLICATE_BODY if ack.duplicate else _ACCEPTED_BODY, media_type="application/json"
        )


_SPAN_ATTRIBUTES = {"http.request.method": "POST", "http.route": "/webhook"}
_ROOT = Context()


def _note_response(span: Span, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    if status >= 500:  # 503: the bus could not take it, WAHA retries
        tracing.failed(span, str(status))


# The two common answers, encoded once (this is the hot path).
_ACCEPTED_BODY = b'{"status":"accepted","duplicate":false}'
_DUPLICATE_BODY = b'{"status":"accepted","duplicate":true}'

_KNOWN_EVENTS = frozenset(
    {
        "message",
        "message.any",
        "message.reaction",
        "message.ack",
        "message.ack.group",
        "message.revoked",
        "message.edited",
        "message.waiting",
        "session.status",
        "presence.update",
        "call.received",
    }
)


def _refused(reason: str, status: int, detail: str) -> Response:
    """A webhook refused at the edge: counted, answered with a problem WAHA need not retry."""
    child(metrics.WEBHOOKS, "unknown", "rejected").inc()
    metrics.EDGE_REFUSED.labels(reason).inc()
    return problem(status, title_of(status), detail)


def _event_label(event: str) -> str:
    """Bound the metric's label values to WAHA's known events."""
    return event if event in _KNOWN_EVENTS else "other"
