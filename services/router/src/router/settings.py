"""Router settings (environment variables)."""

from __future__ import annotations

from concierge_common.settings import BusSettings


class RouterSettings(BusSettings, kw_only=True, frozen=True):
    redis_url: str
    router_health_port: int = 9102
    router_dedup_ttl_seconds: int = 172_800
