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
    "erased: dropped, their person was erased after they were written; over_budget: not "
    "answered nor relayed, a budget of the hour was spent...).",
    ["outcome"],
)
BUDGET_REFUSALS = Counter(
    "concierge_router_budget_refusals_total",
    "Inbound messages refused because a budget of the hour was spent, by scope (person, "
    "channel: the assistant's budgets; relay: messages relayed to staff during a handoff).",
    ["scope"],
)
BUDGET_NOTICES = Counter(
    "concierge_router_budget_notices_total",
    "Notices sent to a person whose budget was spent (one per person and hour), by scope.",
    ["scope"],
)
