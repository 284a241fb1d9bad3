"""How many turns one ai replica answers at once."""

from __future__ import annotations

from ai.settings import AiSettings
from concierge_common import settings

BASE = {"NATS_URL": "nats://127.0.0.1:4222", "BUS_CONCURRENCY": "300"}


def _settings(**env: str) -> AiSettings:
    return settings.load(AiSettings, {**BASE, **env})


def test_with_claude_the_ai_answers_as_many_turns_as_the_bus_allows() -> None:
    assert _settings(ANTHROPIC_API_KEY="sk-test").turn_concurrency() == 300


def test_the_offline_answerer_answers_a_few_turns_per_embedding_thread() -> None:
    assert _settings().turn_concurrency() == 4
    assert _settings(AI_EMBEDDING_THREADS="2").turn_concurrency() == 8


def test_an_explicit_setting_wins() -> None:
    assert _settings(AI_CONCURRENCY="50", ANTHROPIC_API_KEY="sk-test").turn_concurrency() == 50
