"""The router's Prometheus metrics (never labelled by conversation, person or message)."""

from __future__ import annotations

from prometheus_client import Counter

DECISIONS = Counter(
    "concierge_router_decisions_total",
    "Turns by what the router decided (answer, menu, handoff, command_*, thanks...).",
    ["decision"],
)
CODE_ATTEMPTS = Counter(
    "concierge_router_code_attempts_total",
    "Codes people sent to prove a role, by the store's verdict.",
    ["outcome"],
)
MESSAGES = Counter(
    "concierge_router_messages_total",
    "Inbound messages by what happened to them (turn, coalesced, relayed, staff, operator, "
    "erased: dropped, their person was erased after they were written...).",
    ["outcome"],
)
