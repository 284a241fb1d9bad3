"""store settings (environment variables)."""

from __future__ import annotations

from concierge_common.settings import BusSettings


class StoreSettings(BusSettings, kw_only=True, frozen=True):
    database_url: str
    store_health_port: int = 9105
    store_migrations_dir: str = ""
    store_pool_max: int = 10
