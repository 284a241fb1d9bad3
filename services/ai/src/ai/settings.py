"""ai settings (environment variables)."""

from __future__ import annotations

from concierge_common.settings import BusSettings


class AiSettings(BusSettings, kw_only=True, frozen=True):
    ai_health_port: int = 9103
    ai_min_score: float = 1.0
