"""Which answerer ai uses: Claude when an API key is configured, else the offline one.

Both implement :class:`ai.answerer.Answerer` and sit behind the same
responder, so the rest of the pipeline does not know which one answered.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ai.answerer import Answerer, FactAnswerer
from ai.facts import StoreFacts
from ai.settings import AiSettings
from ai.turns import TurnAnswerer


def build_answerer(settings: AiSettings, facts: StoreFacts, zone: ZoneInfo) -> Answerer:
    """The configured answerer."""
    return offline_answerer(settings, facts, zone)


def offline_answerer(settings: AiSettings, facts: StoreFacts, zone: ZoneInfo) -> Answerer:
    """The embedded default: retrieval over the valid facts, no network."""
    return TurnAnswerer(FactAnswerer(facts, min_score=settings.ai_min_score), zone=zone)
