"""Gateway metrics."""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram

from concierge_common.metrics import child

WEBHOOKS = Counter(
    "concierge_gateway_webhooks_total",
    "WAHA webhooks received, by event and result (accepted, ignored, rejected, unavailable).",
    ["event", "result"],
)
WEBHOOK_SECONDS = Histogram(
    "concierge_gateway_webhook_duration_seconds",
    "Time to answer a WAHA webhook (publish and JetStream ack included).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3),
)
IGNORED = Counter(
    "concierge_gateway_ignored_total",
    "Well-formed webhooks that are not answered, by reason.",
    ["reason"],
)
OPERATOR_MESSAGES = Counter(
    "concierge_gateway_operator_messages_total",
    "Messages a human wrote to a person from the organisation's phone (takeover signals).",
)
STAFF_REQUESTS = Counter(
    "concierge_gateway_staff_requests_total",
    "Staff API calls to the handoff desk, by action and result"
    " (ok, not_found, conflict, invalid, unavailable, failed).",
    ["action", "result"],
)
WAHA_REQUESTS = Counter(
    "concierge_waha_requests_total",
    "Requests to the WAHA API, by endpoint and status (or 'error' when no response).",
    ["endpoint", "status"],
)
WAHA_SECONDS = Histogram(
    "concierge_waha_request_duration_seconds",
    "Latency of WAHA API requests.",
    ["endpoint"],
)
REPLIES = Counter(
    "concierge_gateway_replies_total",
    "Outbound replies and their parts, by result: sent, duplicate_skipped; for a part"
    " whose send WAHA did not answer (gateway.send_check): no_answer, then confirmed or"
    " not_confirmed when looked up; resent_after_failure for a part WAHA refused.",
    ["result"],
)
API_REPLIES = Counter(
    "concierge_gateway_api_replies_total",
    "Replies of POST /orchestrate conversations published to the waiting request (not sent"
    " through WAHA), by result (published, duplicate_skipped, resent_after_crash).",
    ["result"],
)
ORCHESTRATIONS = Counter(
    "concierge_gateway_orchestrations_total",
    "POST /orchestrate exchanges, by result (answered, handed_off, timeout, unavailable).",
    ["result"],
)
ORCHESTRATE_SECONDS = Histogram(
    "concierge_gateway_orchestrate_duration_seconds",
    "Time from a POST /orchestrate message to its answer (the quiet period included).",
    buckets=(0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 30),
)

# --- the WhatsApp edge (issue 6) ---------------------------------------------------------
MEDIA = Counter(
    "concierge_gateway_media_total",
    "Files people sent, by kind (image, audio, video, document) and result (stored,"
    " too_large, type_not_allowed, unavailable).",
    ["kind", "result"],
)
MEDIA_BYTES = Histogram(
    "concierge_gateway_media_bytes",
    "Size of the received files that were stored.",
    buckets=(1e4, 5e4, 1e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7),
)
RECEIPTS = Counter(
    "concierge_gateway_receipts_total",
    "Receipts WAHA reported: acks by ack name (server, device, read, played, error...) and"
    " reactions by value (positive, negative, other, removed). Never answered.",
    ["kind", "value"],
)
WAHA_SESSION_STATUS = Gauge(
    "concierge_waha_session_status",
    "1 for the status each WAHA session last reported (WORKING, SCAN_QR_CODE, FAILED...).",
    ["session", "status"],
)
WAHA_SESSION_CHANGES = Counter(
    "concierge_waha_session_status_changes_total",
    "session.status events by new status; alert on SCAN_QR_CODE, FAILED and STOPPED.",
    ["status"],
)
RECOVERIES = Counter(
    "concierge_gateway_recoveries_total",
    "History recoveries after WAHA came back to WORKING, by result (done, failed, skipped).",
    ["result"],
)
RECOVERED_MESSAGES = Counter(
    "concierge_gateway_recovered_messages_total",
    "Messages read from WAHA's history during a recovery, by result (published, known: the"
    " store has it, answered: one of ours follows it in the chat, ignored).",
    ["result"],
)
LID_LOOKUPS = Counter(
    "concierge_gateway_lid_lookups_total",
    "Linked ids (@lid) resolved to a phone id, by result (cached, resolved, unknown, failed).",
    ["result"],
)
SEND_FAILURES = Counter(
    "concierge_gateway_send_failures_total",
    "Replies WAHA refused for good, by reason (timelock, rejected...) and origin.",
    ["reason", "origin"],
)
RATE_LIMITED = Counter(
    "concierge_gateway_rate_limited_total",
    "Sends held back by a rate limit, by scope (chat, global).",
    ["scope"],
)
REPLY_PARTS = Histogram(
    "concierge_gateway_reply_parts",
    "WhatsApp messages one reply was split into.",
    buckets=(1, 2, 3, 4, 6, 10),
)
TYPING_SECONDS = Histogram(
    "concierge_gateway_typing_seconds",
    "How long 'typing...' was shown before a message.",
    buckets=(0.5, 1, 2, 3, 4, 6, 8, 10),
)
EDGE_REFUSED = Counter(
    "concierge_gateway_edge_refused_total",
    "Requests the public port refused before any handler ran or while checking a webhook,"
    " by reason (rate_limited, too_large, oversized_field, replayed, bus_refused).",
    ["reason"],
)
REPLY_LATENCY = Histogram(
    "concierge_gateway_reply_latency_seconds",
    "From a person's message reaching the gateway (the webhook; WhatsApp's own time when"
    " earlier) to its reply being sent through WAHA or published to the waiting API"
    " request, typing pauses and retries included; by origin (ai, router, handoff) and"
    " channel (whatsapp, api). Replies that answer no message (staff, notices) are not"
    " counted.",
    ["origin", "channel"],
    buckets=(0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300, 900),
)


def observe_reply_latency(origin: str, channel: str, in_reply_to_at: float) -> None:
    """Count one reply sent for a message written at ``in_reply_to_at`` (Unix seconds;
    0: it answers no message, not counted)."""
    if in_reply_to_at > 0:
        child(REPLY_LATENCY, origin, channel).observe(max(0.0, time.time() - in_reply_to_at))
