"""Gateway metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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
    "Outbound replies, by result (sent, duplicate_skipped, resent_after_crash).",
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
