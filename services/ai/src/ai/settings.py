"""ai settings (environment variables)."""

from __future__ import annotations

from concierge_common.settings import BusSettings


class AiSettings(BusSettings, kw_only=True, frozen=True):
    ai_health_port: int = 9103
    # Claude
    # Claude answers when this key is set (never logged); else the offline answerer does.
    anthropic_api_key: str = ""
    # Another Messages API address (a proxy, a test fake); empty: the SDK's default.
    anthropic_base_url: str = ""
    ai_model: str = "claude-haiku-5-5"
    # Seconds one request to Claude may take; must stay below BUS_ACK_WAIT_SECONDS.
    ai_claude_timeout_seconds: float = 15.0
    # Retries of a failed request (429, 5xx, timeout) before handing off to a human.
    ai_claude_max_retries: int = 2
    ai_max_output_tokens: int = 600
    # The conversation history sent with a turn: at most this many messages and characters.
    ai_history_messages: int = 12
    ai_history_chars: int = 4000
    # USD per million tokens, for the estimated cost metric (Claude Haiku 5.5 prices).
    ai_price_input_per_mtok: float = 0.10
    ai_price_output_per_mtok: float = 0.50
    ai_price_cache_write_per_mtok: float = 0.125
    ai_price_cache_read_per_mtok: float = 0.01
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
