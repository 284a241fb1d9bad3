"""Gateway settings (environment variables)."""

from __future__ import annotations

import ipaddress

import msgspec

from concierge_common.errors import ConfigError
from concierge_common.settings import BusSettings, check_secrets

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
ROLES = frozenset({"api", "outbound"})
DEFAULT_JWT_AUDIENCE = "concierge-api"
# Every secret setting of the gateway: each at least 32 bytes long, checked at start.
SECRETS = ("conversation_id_key", "waha_api_key", "waha_webhook_hmac_key", "jwt_secret")


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
    # 2 MiB: the longest message WhatsApp allows (65,536 characters), all emoji, comes
    # twice in a WEBJS webhook (body and _data), JSON-escaped: about 1.5 MB.
    gateway_max_body_bytes: int = 2_097_152
    # --- the public port's limits (SECURITY.md, item 3): requests per second and burst
    # per source (0: off); the header a trusted proxy puts the client's address in
    # (empty: the peer's address is the source); addresses or networks never limited
    # (WAHA's, comma separated); connections and requests at once (503 beyond).
    gateway_source_requests_per_second: float = 50.0
    gateway_source_burst: int = 500
    gateway_client_ip_header: str = ""
    gateway_rate_limit_exempt: str = ""
    gateway_max_connections: int = 1000
    # Webhooks whose event is older than this are refused (SECURITY.md, item 7; 0: off).
    # Longer than WAHA's retries (about half an hour), within the bus's duplicate window.
    gateway_webhook_max_age_seconds: float = 2400.0
    # What this process runs: "api" (the public HTTP edge: webhook and API), "outbound"
    # (the consumer that sends replies through WAHA), or both. Production runs them as
    # two deployables so that sending never competes with webhook latency.
    gateway_roles: str = "api,outbound"
    # The HTTP API (api role): HS256 bearer tokens, checked against this secret,
    # audience and (when set) issuer.
    jwt_secret: str = ""
    jwt_audience: str = DEFAULT_JWT_AUDIENCE
    jwt_issuer: str = ""
    # Browser origins allowed to call the HTTP API, comma separated; empty: no CORS.
    gateway_cors_origins: str = ""
    # How long an API request waits for the store's answer before a 503.
    gateway_store_timeout_seconds: float = 5.0
    # How long a staff API request waits for the handoff service's desk before a 503.
    gateway_desk_timeout_seconds: float = 5.0
    # POST /orchestrate answers once a first reply came and no other followed for the quiet
    # period, or at the timeout (504 when nothing came).
    gateway_orchestrate_quiet_seconds: float = 0.6
    gateway_orchestrate_timeout_seconds: float = 25.0
    # --- the staff console (/console, api role). Who may sign in: comma-separated
    # "name:role:hash" entries (role admin or agent; the hash from
    # `python -m gateway.console hash-password`); empty: nobody can sign in. Canned
    # replies separated by "|" (empty: a short default list in French). Dates typed in the
    # console are in this time zone. The live queue re-reads the desk this often.
    console_accounts: str = ""
    console_canned_replies: str = ""
    console_timezone: str = "Europe/Paris"
    console_poll_seconds: float = 1.0
    console_session_hours: float = 10.0
    # The staff's WhatsApp chat (often a group, "...@g.us"): its messages are published
    # even though other groups are ignored; the router hands them to the handoff service.
    staff_chat_id: str = ""

    # --- files (issue 6). Where received files and artifacts are kept: "" or a folder
    # path (local disk, the default ".concierge/media"), or "s3://KEY:SECRET@host/path/bucket"
    # for S3-compatible storage such as Supabase Storage (concierge_common.storage.media_storage).
    media_storage_url: str = ""
    # Received files above this size, or whose mime type starts with none of these
    # comma-separated prefixes, are not downloaded; the person gets a polite answer.
    gateway_media_max_bytes: int = 16 * 1024 * 1024
    gateway_media_types: str = "image/,audio/,video/,application/pdf,text/plain"

    # --- humane sending (outbound role): seen, typing for a time proportional to the
    # reply's length (capped, with jitter), then the text; long replies in several parts.
    gateway_typing_chars_per_second: float = 15.0
    gateway_typing_min_seconds: float = 1.0
    gateway_typing_max_seconds: float = 6.0
    gateway_typing_jitter_seconds: float = 0.5
    gateway_part_max_chars: int = 1200
    # Rate limits on what goes out to WAHA: per chat and for the whole number, per
    # minute, shared by every outbound replica through Redis (REDIS_URL; in-process
    # limits when it is empty).
    gateway_chat_messages_per_minute: int = 10
    gateway_global_messages_per_minute: int = 60
    redis_url: str = ""

    # --- recovery after a WAHA outage (api role): when the session is back to WORKING,
    # read the recent messages of the most recently active chats from WAHA's history.
    gateway_recovery_chats: int = 30
    gateway_recovery_messages_per_chat: int = 30
    gateway_recovery_max_age_seconds: float = 6 * 3600.0

    def __post_init__(self) -> None:
        unknown = self.roles - ROLES
        if unknown or not self.roles:
            raise ConfigError(
                f"GATEWAY_ROLES must name one or more of {sorted(ROLES)},"
                f" got {self.gateway_roles!r}"
            )
        if "api" in self.roles:
            self._check_api_secrets()
            self._check_edge()
        check_secrets(self, *SECRETS)
        self._check_orchestrate_timing()

    def _check_edge(self) -> None:
        max_age = self.gateway_webhook_max_age_seconds
        if max_age < 0 or max_age > self.bus_duplicate_window_seconds:
            raise ConfigError(
                "GATEWAY_WEBHOOK_MAX_AGE_SECONDS must be between 0 and"
                f" BUS_DUPLICATE_WINDOW_SECONDS ({self.bus_duplicate_window_seconds:g}),"
                f" got {max_age:g}: an older replay would be neither refused nor deduplicated"
            )
        try:
            self.rate_limit_exempt  # noqa: B018  (parsed now, refused at start)
        except ValueError as exc:
            raise ConfigError(f"GATEWAY_RATE_LIMIT_EXEMPT: {exc}") from None

    def _check_api_secrets(self) -> None:
        missing = []
        if not (self.waha_webhook_hmac_key or self.gateway_allow_unsigned_webhooks):
            missing.append(
                "WAHA_WEBHOOK_HMAC_KEY"
                " (or set GATEWAY_ALLOW_UNSIGNED_WEBHOOKS=true to accept unsigned webhooks)"
            )
        if not self.jwt_secret:
            missing.append("JWT_SECRET")
        if missing:
            raise ConfigError("missing environment variable(s): " + ", ".join(missing))

    def _check_orchestrate_timing(self) -> None:
        quiet = self.gateway_orchestrate_quiet_seconds
        timeout = self.gateway_orchestrate_timeout_seconds
        if not 0 < quiet < timeout:
            raise ConfigError(
                "GATEWAY_ORCHESTRATE_QUIET_SECONDS must be positive and below"
                f" GATEWAY_ORCHESTRATE_TIMEOUT_SECONDS, got {quiet:g} and {timeout:g}"
            )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.gateway_roles.split(",") if r.strip())

    @property
    def media_types(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.gateway_media_types.split(",") if t.strip())

    @property
    def rate_limit_exempt(self) -> tuple[Network, ...]:
        return exempt_networks(self.gateway_rate_limit_exempt)

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return tuple(o.strip() for o in self.gateway_cors_origins.split(",") if o.strip())


class JwtSettings(msgspec.Struct, kw_only=True, frozen=True):
    """What ``python -m gateway token`` needs: the API's token settings, nothing else."""

    jwt_secret: str
    jwt_audience: str = DEFAULT_JWT_AUDIENCE
    jwt_issuer: str = ""

    def __post_init__(self) -> None:
        if not self.jwt_secret:
            raise ConfigError("missing environment variable(s): JWT_SECRET")
        check_secrets(self, "jwt_secret")


def exempt_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or networks (CIDR); ``ValueError`` naming a wrong one."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )
