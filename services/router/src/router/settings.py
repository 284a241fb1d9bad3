"""Router settings (environment variables)."""

from __future__ import annotations

from concierge_common.settings import BusSettings


class RouterSettings(BusSettings, kw_only=True, frozen=True):
    redis_url: str
    router_health_port: int = 9102
    router_dedup_ttl_seconds: int = 172_800
    # Messages a person sent closer than this (seconds, on WhatsApp's times) make one
    # turn, answered once; 0 turns coalescing off (every message is its own turn).
    router_burst_window_seconds: float = 3.0
    # Services, prompts and keywords are re-read from the store this often.
    router_catalog_cache_seconds: float = 30.0
    # The service used when nothing in a message names one and ai cannot tell either.
    router_default_service: str = "RENSEIGNEMENT"
    router_store_timeout_seconds: float = 5.0
    # The session's last messages asked with ``session.open`` and carried to ai with a
    # turn (ai's Claude answerer reads them; ai asks the store itself when they are not
    # carried). 0: none. A history longer than ``router_history_chars`` characters is
    # not carried (the bus message stays small; ai asks the store for it).
    router_history_messages: int = 12
    router_history_chars: int = 16_000
    # Times told to people (e.g. the end of a code lockout) are given in this zone.
    router_timezone: str = "Europe/Paris"
    # Cost and abuse limits (SECURITY.md, item 6): messages an hour the assistant takes from
    # one person, and from one channel (a WAHA session, an API token's subject), and
    # messages an hour relayed to staff for one person during a handoff; 0: unlimited.
    router_person_messages_per_hour: int = 60
    router_channel_messages_per_hour: int = 2000
    router_person_relays_per_hour: int = 120
    # The staff chat (a number or a group): its messages are replies and commands for the desk.
    staff_chat_id: str = ""
