"""ai's own Prometheus metrics (the bus ones live in :mod:`concierge_common.metrics`).

Labels are bounded: an outcome or a lane, never a conversation or a message id.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from concierge_common.metrics import child

ANSWERS = Counter(
    "concierge_ai_answers_total",
    "Turns and ready replies handled by ai, by outcome: answered (from a fact, a family "
    "record or a greeting), not_text (an image, a voice note...), handoff (a handoff was "
    "opened in the store), declined (no answer and no handoff could be opened: staff are "
    "alerted only), forwarded (a ready reply passed through to outbound), artifact (a file "
    "sent: a parent's calendar), over_budget (Claude not asked: the person's or channel's "
    "token budget of the hour is spent), out_of_scope (a question off the organisation's "
    "subjects, answered with what the concierge can do instead of a handoff).",
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


# Offline answerer (embeddings + lexical signals).
EMBEDDING_SECONDS = Histogram(
    "concierge_ai_embedding_seconds",
    "Time to embed with the local model, waiting for the worker included, by kind (query: "
    "one question; passages: the facts not embedded yet).",
    ["kind"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
PASSAGE_VECTORS = Counter(
    "concierge_ai_passage_vectors_total",
    "Fact vectors the offline answerer needed, by origin (cached: reused; computed: the "
    "fact is new or its text changed).",
    ["origin"],
)
OFFLINE_CHOICES = Counter(
    "concierge_ai_offline_choices_total",
    "Decisions of the offline answerer, by result (confident: answered; unrelated: nothing "
    "matches well enough; ambiguous: several facts share the likelihood; period: the "
    "question names a period its facts do not; person: it asks to talk to someone).",
    ["result"],
)


def observe_embedding(kind: str, seconds: float) -> None:
    child(EMBEDDING_SECONDS, kind).observe(seconds)


def count_passages(*, hits: int, misses: int) -> None:
    if hits:
        child(PASSAGE_VECTORS, "cached").inc(hits)
    if misses:
        child(PASSAGE_VECTORS, "computed").inc(misses)


def count_choice(result: str) -> None:
    child(OFFLINE_CHOICES, result).inc()


# --- Claude ---------------------------------------------------------------------------

CLAUDE_SECONDS = Histogram(
    "concierge_ai_claude_request_seconds",
    "Time of one Claude request, the SDK's retries included, whatever its result.",
    buckets=(0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 20, 30, 45),
)
CLAUDE_TOKENS = Counter(
    "concierge_ai_claude_tokens_total",
    "Tokens of Claude requests, by kind (input: not from the cache; output; cache_read;"
    " cache_write).",
    ["kind"],
)
CLAUDE_COST = Counter(
    "concierge_ai_claude_cost_usd_total",
    "Estimated cost of Claude requests in USD, from the configured prices.",
)
CLAUDE_TURNS = Counter(
    "concierge_ai_claude_turns_total",
    "Turns Claude handled, by outcome and detail: answered (fact, family, courtesy),"
    " handoff (the store's reason), rejected (the check the answer failed: unknown_citation,"
    " uncited, unsourced_contact, prompt_leak), error (the SDK error class).",
    ["outcome", "detail"],
)


def count_claude_turn(outcome: str, detail: str) -> None:
    """Count one turn Claude handled (bounded values: outcomes, reasons, error classes)."""
    child(CLAUDE_TURNS, outcome, detail).inc()


def count_claude_usage(tokens: dict[str, int], usd: float) -> None:
    """Add one request's tokens (by kind) and estimated cost."""
    for kind, count in tokens.items():
        child(CLAUDE_TOKENS, kind).inc(count)
    CLAUDE_COST.inc(usd)


# --- Token budgets (issue 14, item 6) ---------------------------------------------------

TOKEN_BUDGET_REFUSALS = Counter(
    "concierge_ai_token_budget_refusals_total",
    "Turns not sent to Claude because a token budget of the hour was spent, by scope"
    " (person, channel).",
    ["scope"],
)
TOKEN_BUDGET_NOTICES = Counter(
    "concierge_ai_token_budget_notices_total",
    "Notices sent instead of an answer when a token budget was spent (one per person and"
    " hour), by scope.",
    ["scope"],
)


def count_over_budget(scope: str, *, notified: bool) -> None:
    child(TOKEN_BUDGET_REFUSALS, scope).inc()
    if notified:
        child(TOKEN_BUDGET_NOTICES, scope).inc()
