"""Gateway settings (environment variables)."""

from __future__ import annotations

from concierge_common.settings import BusSettings


class GatewaySettings(BusSettings, kw_only=True, frozen=True):
    conversation_id_key: str
    waha_url: str
    waha_api_key: str
    waha_session: str = "default"
    waha_webhook_hmac_key: str = ""
    waha_timeout_seconds: float = 30.0
    gateway_host: str = "0.0.0.0"
    gateway_port: int = 8000
    gateway_health_port: int = 9101
    gateway_publish_timeout_seconds: float = 3.0
    gateway_max_body_bytes: int = 1_048_576
