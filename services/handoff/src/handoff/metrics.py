"""Prometheus metrics of the handoff service (bounded labels only)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

STAFF_ALERTS = Counter(
    "concierge_handoff_staff_alerts_total",
    "Handoff alerts for staff, by outcome (sent; no_staff_chat: only logged).",
    ["outcome"],
)
STAFF_CHAT_UNSET = Counter(
    "concierge_handoff_staff_chat_unset_total",
    "Texts meant for the staff chat that were only logged because STAFF_CHAT_ID is not set.",
    ["kind"],
)
RELAYS = Counter(
    "concierge_handoff_relays_total",
    "Messages relayed between a person and staff, by direction (to_staff, to_person).",
    ["direction"],
)
RELAYS_AFTER_END = Counter(
    "concierge_handoff_relays_after_end_total",
    "Person messages that arrived when no handoff was open any more (the person was told).",
)
RETURNS = Counter(
    "concierge_handoff_returns_total",
    "Handoffs given back to the assistant, by cause (staff, api, timeout, person).",
    ["cause"],
)
CLOSES = Counter(
    "concierge_handoff_closes_total",
    "Handoffs closed, by cause (staff, api).",
    ["cause"],
)
ASSIGNS = Counter(
    "concierge_handoff_assigns_total",
    "Handoffs taken by a staff member, by cause (staff, api).",
    ["cause"],
)
NOTICES = Counter(
    "concierge_handoff_no_staff_notices_total",
    "People told that no staff member has answered yet (once per handoff).",
)
STAFF_COMMANDS = Counter(
    "concierge_handoff_staff_commands_total",
    "Staff chat messages, by what they were parsed as (reply, return, close, ..., unknown).",
    ["command"],
)
DESK_ERRORS = Counter(
    "concierge_handoff_desk_refusals_total",
    "Desk actions refused, by reason (not_found, conflict).",
    ["reason"],
)
SWEEP_FAILURES = Counter(
    "concierge_handoff_sweep_failures_total",
    "Sweeps (or sweep steps) that failed and will be tried again at the next period.",
)
FIRST_STAFF_REPLY_SECONDS = Histogram(
    "concierge_handoff_first_staff_reply_seconds",
    "Time from a handoff's opening to the first staff answer relayed by the desk.",
    buckets=(30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400),
)

RESCUES = Counter(
    "concierge_handoff_rescues_total",
    "Dead-lettered conversation messages handed to a human, by failed flow and outcome.",
    ["flow", "outcome"],
)
