"""Settings read once from the environment, failing fast with the missing key named.

A settings class is a frozen msgspec struct whose field names are the
environment variable names in lower case (``nats_url`` <- ``NATS_URL``).
Fields without a default are required. Only a service's ``__main__`` calls
:func:`load`; everything else receives the settings object as an argument.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TypeVar

import msgspec

from concierge_common.errors import ConfigError

S = TypeVar("S", bound=msgspec.Struct)
# A key shorter than the hash it keys (HMAC-SHA256, HS256) is guessable offline from
# what it signs or derives: one token, one conversation id (RFC 7518 section 3.2).
MIN_SECRET_BYTES = 32


class BusSettings(msgspec.Struct, kw_only=True, frozen=True):
    """What every service needs to talk over NATS JetStream."""

    nats_url: str
    # The NATS user this process connects as, and its password (never logged); empty:
    # the URL's own (nats://user:password@host) or none (a server without users).
    nats_user: str = ""
    nats_password: str = ""
    bus_namespace: str = ""
    bus_partitions: int = 16
    bus_max_deliver: int = 5
    bus_ack_wait_seconds: float = 30.0
    bus_retry_delays: str = "1,3,10,30"
    bus_stream_max_age_hours: float = 168.0
    bus_duplicate_window_seconds: float = 3600.0
    # Servers of a JetStream cluster that store each stream and bucket (3 on a cluster).
    bus_stream_replicas: int = 1
    bus_fetch_timeout_seconds: float = 2.0
    # Per replica and flow: handlers running at once, and deliveries held (running or
    # waiting in their conversation's mailbox). See concierge_common.bus.consumer.
    bus_concurrency: int = 500
    bus_prefetch: int = 1000
    # A partition lease not renewed for this long is free for another replica.
    bus_lease_seconds: float = 9.0
    # Every replica reports its readiness this often (concierge_common.bus.heartbeat).
    bus_heartbeat_seconds: float = 5.0
    shutdown_grace_seconds: float = 20.0
    log_level: str = "INFO"

    def retry_delays(self) -> tuple[float, ...]:
        """Delays, in seconds, before the 1st, 2nd, ... redelivery of a failed message."""
        return tuple(float(part) for part in self.bus_retry_delays.split(",") if part.strip())


def load(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    """Build ``cls`` from the environment; raise :class:`ConfigError` naming what is wrong."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    missing: list[str] = []
    for field in msgspec.structs.fields(cls):
        key = field.name.upper()
        raw = env.get(key)
        if raw is not None and raw != "":
            values[field.name] = raw
        elif field.required:
            missing.append(key)
    if missing:
        raise ConfigError("missing environment variable(s): " + ", ".join(missing))
    try:
        return msgspec.convert(values, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"invalid setting: {_upper_path(str(exc))}") from exc


def _upper_path(detail: str) -> str:
    """Turn msgspec's ``at `$.bus_partitions``` into the env var name for the operator."""
    if "`$." not in detail:
        return detail
    head, _, tail = detail.partition("`$.")
    name, _, rest = tail.partition("`")
    return f"{head}{name.upper()}{rest}"


def check_secrets(settings: msgspec.Struct, *names: str) -> None:
    """Refuse, at start, any of the secret settings ``names`` that is set but too short.

    Secrets shorter than :data:`MIN_SECRET_BYTES` (UTF-8) are named in the
    :class:`ConfigError`, never shown. Empty values are left to the required-field checks.
    """
    short = [
        name.upper()
        for name in names
        if (value := getattr(settings, name)) and len(str(value).encode()) < MIN_SECRET_BYTES
    ]
    if short:
        raise ConfigError(
            f"{', '.join(short)} must be at least {MIN_SECRET_BYTES} bytes long"
            " (draw one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
