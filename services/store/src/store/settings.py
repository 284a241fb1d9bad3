"""store settings (environment variables).

The long-running store needs the bus; its one-shot commands (``migrate``,
``seed``, ``purge``) need only the database (and ``purge`` the media storage), so
they read narrower settings and can run from a deployment job that has no access
to NATS.
"""

from __future__ import annotations

import msgspec

from concierge_common.settings import BusSettings, check_secrets


class StoreSettings(BusSettings, kw_only=True, frozen=True):
    # --- PostgreSQL, the system of record
    database_url: str
    store_migrations_dir: str = ""
    store_pool_max: int = 10
    # A PostgreSQL that hangs instead of refusing (a host gone silent, a dead TCP link)
    # must surface as an outage, not hold a handler for ever: opening a connection and
    # each statement are bounded (store.outages classifies the timeouts).
    store_connect_timeout_seconds: float = 10.0
    store_statement_timeout_seconds: float = 60.0
    store_health_port: int = 9105

    # --- administration and privacy
    # Key of the HMAC-SHA256 under which identifiers people prove (parent codes) and the
    # WhatsApp ids of erased people (store.tombstones) are stored; changing it invalidates
    # every provisioned code and makes the tombstones unrecognisable.
    intrinsic_id_key: str
    # The gateway's key of conversation ids (concierge_common.ids.conversation_id): a
    # privacy erasure computes the person's conversations with it, to purge them from
    # the bus (store.bus_traces). Without it, only the conversations of their handoffs
    # are purged at once; their other messages are still found one by one.
    conversation_id_key: str = ""
    # Where media files live (concierge_common.storage.media_storage); media.file_path is a key
    # there, and a privacy erasure deletes the person's files there.
    media_storage_url: str = ""
    # Wrong codes (code.claim) a person may type for a service within the lockout window
    # before being locked out; and how long a lockout lasts (also the counting window).
    store_code_max_attempts: int = 3
    store_code_lockout_seconds: float = 900.0
    # Each lockout in a row lasts twice the one before, up to this.
    store_code_max_lockout_seconds: float = 86400.0
    # Wrong codes shared by every identity (store.claim_limits, SECURITY.md): past a
    # budget within the window, codes from that source, channel or everyone are not
    # checked until the oldest of those failures leaves the window.
    store_code_window_seconds: float = 3600.0
    store_code_source_budget: int = 20
    store_code_channel_budget: int = 40
    store_code_global_budget: int = 60
    # Wrong short (old format) codes of a service within a day that stop its short codes.
    store_code_weak_window_seconds: float = 86400.0
    store_code_weak_budget: int = 10

    # --- sessions
    # Redis: where an erasure deletes the person's keys (store.redis_traces).
    redis_url: str
    # Seconds of inactivity after which an active or awaiting_input session expires.
    store_session_ttl_seconds: float = 1800.0
    # Seconds between two runs of the expiry job.
    store_expiry_interval_seconds: float = 60.0

    # --- retention (store.retention; docs/retention-and-dead-letters.md). Days each kind
    # is kept, 0: for ever.
    retention_interactions_days: int = 365
    retention_artifacts_days: int = 365
    retention_media_days: int = 90
    retention_batch_size: int = 500
    # Seconds between two purges (the first runs at start).
    retention_interval_seconds: float = 21600.0
    # Mapping files of the information sources to sync on a schedule (comma-separated;
    # those with interval_minutes; store.importing.schedule, docs/importing.md).
    store_import_mappings: str = ""

    def __post_init__(self) -> None:
        check_secrets(self, "intrinsic_id_key", "conversation_id_key")


class MigrateSettings(msgspec.Struct, kw_only=True, frozen=True):
    """``python -m store migrate``: the database only."""

    database_url: str
    store_migrations_dir: str = ""
    log_level: str = "INFO"


class SeedSettings(MigrateSettings, kw_only=True, frozen=True):
    """``python -m store seed``: the database and the key the demo codes are hashed with."""

    intrinsic_id_key: str

    def __post_init__(self) -> None:
        check_secrets(self, "intrinsic_id_key")


class PurgeSettings(MigrateSettings, kw_only=True, frozen=True):
    """``python -m store purge``: the database, the media storage and the windows.

    The same variables and defaults as the running store's (:class:`StoreSettings`).
    """

    media_storage_url: str = ""
    retention_interactions_days: int = 365
    retention_artifacts_days: int = 365
    retention_media_days: int = 90
    retention_batch_size: int = 500
