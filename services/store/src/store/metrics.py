"""store metrics (bounded labels only: never an id, a phone number or a body)."""

from __future__ import annotations

from prometheus_client import Counter

SESSIONS_EXPIRED = Counter(
    "concierge_store_sessions_expired_total",
    "Sessions ended for inactivity, by what noticed it (job: the periodic sweep; "
    "access: an open or update that found the session past its expiry).",
    ["trigger"],
)
SESSION_CACHE = Counter(
    "concierge_store_session_cache_total",
    "Session cache lookups and failures, by result (hit, miss, error).",
    ["result"],
)
