"""ai settings (environment variables)."""

from __future__ import annotations

from concierge_common.settings import BusSettings


class AiSettings(BusSettings, kw_only=True, frozen=True):
    ai_health_port: int = 9103
    # Smallest relevance score of a fact to answer with it (else: handoff).
    ai_min_score: float = 1.0
    # Seconds the store's valid facts of a service are reused before asking again.
    ai_facts_cache_seconds: float = 30.0
    # Seconds ai waits for the store's answer (facts, handoff.open).
    ai_store_timeout_seconds: float = 5.0
    # The organisation's time zone: "today" for the family calendars.
    ai_timezone: str = "Europe/Paris"
    # intent.classify: smallest score of the chosen service, and how many times the
    # score of the runner-up it must reach.
    ai_classify_min_score: float = 1.5
    ai_classify_margin: float = 1.5
