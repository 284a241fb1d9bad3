"""store metrics (bounded labels only: never an id, a phone number or a body)."""

from __future__ import annotations

import re

from prometheus_client import Counter

SESSIONS_STARTED = Counter(
    "concierge_store_sessions_started_total",
    "Conversations started: sessions created for a person who had no open one (with "
    "concierge_store_handoffs_opened_total, the share of conversations a human took).",
)
SESSIONS_EXPIRED = Counter(
    "concierge_store_sessions_expired_total",
    "Sessions ended for inactivity, by what noticed it (job: the periodic sweep; "
    "access: an open or update that found the session past its expiry).",
    ["trigger"],
)
CODE_CLAIMS = Counter(
    "concierge_store_code_claims_total",
    "Codes people typed to prove a role (code.claim), by outcome (accepted, rejected, locked; "
    "paused: not checked, too many wrong codes lately from the person's channel or everyone).",
    ["outcome"],
)
CODE_CLAIM_PAUSES = Counter(
    "concierge_store_code_claim_pauses_total",
    "Pauses of code checking started because a shared budget of wrong codes was spent "
    "(store.claim_limits), by the budget's scope (source, channel, global).",
    ["scope"],
)
WEAK_CODES_SUSPENDED = Counter(
    "concierge_store_weak_codes_suspended_total",
    "Services whose short (old format) codes stopped working after too many wrong short "
    "codes across identities; staff must re-issue strong codes.",
)
HANDOFFS_OPENED = Counter(
    "concierge_store_handoffs_opened_total",
    "Handoffs to a human opened, by who asked (person, ai, error, lockout, operator).",
    ["requested_by"],
)
HANDOFF_REASONS = Counter(
    "concierge_store_handoff_reasons_total",
    "Handoffs to a human opened, by the reason code the opener gave (person_asked, "
    "no_matching_information, ai_unsure, code_lockout, processing_error...; 'other' for "
    "anything that is not a short code, so free text never becomes a label).",
    ["reason"],
)
HANDOFF_TRANSITIONS = Counter(
    "concierge_store_handoff_transitions_total",
    "State changes of open handoffs (not their creation), by the state entered.",
    ["to_state"],
)
ERASED_DROPPED = Counter(
    "concierge_store_erased_dropped_total",
    "Messages and requests refused because their person was erased after they were written "
    "(store.tombstones), by kind (inbound, operator, reply, refused_reply, session_open).",
    ["kind"],
)


# A reason code: lower-case words joined by underscores, as every service writes them.
_REASON_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def reason_label(reason: str) -> str:
    """``reason`` when it is a short code, else ``other`` (the label stays bounded)."""
    return reason if _REASON_CODE.fullmatch(reason) else "other"
