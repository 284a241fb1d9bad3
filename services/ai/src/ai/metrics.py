"""ai's own Prometheus metrics (the bus ones live in :mod:`concierge_common.metrics`).

Labels are bounded: an outcome or a lane, never a conversation or a message id.
"""

from __future__ import annotations

from prometheus_client import Counter

from concierge_common.metrics import child

ANSWERS = Counter(
    "concierge_ai_answers_total",
    "Turns and ready replies handled by ai, by outcome: answered (from a fact, a family "
    "record or a greeting), not_text (an image, a voice note...), handoff (a handoff was "
    "opened in the store), declined (no answer and no handoff could be opened: staff are "
    "alerted only), forwarded (a ready reply passed through to outbound).",
    ["outcome"],
)
FACTS_CACHE_HITS = Counter(
    "concierge_ai_facts_cache_hits_total",
    "Facts of a service served from ai's short-lived cache.",
)
FACTS_CACHE_MISSES = Counter(
    "concierge_ai_facts_cache_misses_total",
    "Facts of a service that had to be read from the store.",
)
CLASSIFICATIONS = Counter(
    "concierge_ai_classifications_total",
    "intent.classify requests, by result (chosen: a service was confident enough, unsure).",
    ["result"],
)


def count_answer(outcome: str) -> None:
    """Count one handled turn or ready reply under ``outcome``."""
    child(ANSWERS, outcome).inc()
