"""Gateway settings (environment variables)."""

from __future__ import annotations

from concierge_common.errors import ConfigError
from concierge_common.settings import BusSettings

ROLES = frozenset({"api", "outbound"})


class GatewaySettings(BusSettings, kw_only=True, frozen=True):
    conversation_id_key: str
    waha_url: str
    waha_api_key: str
    waha_session: str = "default"
    waha_webhook_hmac_key: str = ""
    # Accepting unsigned webhooks must be a decision, not an accident of an empty variable.
    gateway_allow_unsigned_webhooks: bool = False
    waha_timeout_seconds: float = 30.0
    gateway_host: str = "0.0.0.0"
    gateway_port: int = 8000
    gateway_health_port: int = 9101
    gateway_publish_timeout_seconds: float = 3.0
    gateway_max_body_bytes: int = 1_048_576
    # What this process runs: "api" (the public HTTP edge: webhook and API), "outbound"
    # (the consumer that sends replies through WAHA), or both. Production runs them as
    # two deployables so that sending never competes with webhook latency.
    gateway_roles: str = "api,outbound"

    def __post_init__(self) -> None:
        unknown = self.roles - ROLES
        if unknown or not self.roles:
            raise ConfigError(
                f"GATEWAY_ROLES must name one or more of {sorted(ROLES)},"
                f" got {self.gateway_roles!r}"
            )
        if "api" in self.roles and not (
            self.waha_webhook_hmac_key or self.gateway_allow_unsigned_webhooks
        ):
            raise ConfigError(
                "missing environment variable(s): WAHA_WEBHOOK_HMAC_KEY"
                " (or set GATEWAY_ALLOW_UNSIGNED_WEBHOOKS=true to accept unsigned webhooks)"
            )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.gateway_roles.split(",") if r.strip())
