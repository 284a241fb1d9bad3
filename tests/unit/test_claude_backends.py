"""Claude answers when an API key is configured, the offline answerer otherwise;
Claude's settings are checked before anything runs."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from ai import backends
from ai.answerer import Answer, Answerer
from ai.claude.answerer import ClaudeAnswerer
from ai.facts import StoreFacts
from ai.settings import AiSettings
from concierge_common import settings as settings_module
from concierge_common.bus.runtime import Closer
from concierge_common.contracts.messages import GenerateReply
from concierge_common.errors import ConfigError
from support.claude_store import MemoryStore

ZONE = ZoneInfo("Europe/Paris")


class Offline:
    async def answer(self, turn: GenerateReply) -> Answer | None:
        return None


def _settings(**env: str) -> AiSettings:
    return settings_module.load(AiSettings, {"NATS_URL": "nats://127.0.0.1:1", **env})


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Offline:
    sentinel = Offline()
    monkeypatch.setattr(backends, "offline_answerer", lambda *args: sentinel)
    return sentinel


def _build(config: AiSettings, closers: list[Closer] | None = None) -> Answerer:
    store = MemoryStore()
    kept = closers if closers is not None else []
    return backends.build_answerer(config, StoreFacts(store), ZONE, rpc=store, on_stop=kept.append)


def test_without_an_api_key_the_offline_answerer_is_used(offline: Offline) -> None:
    assert _build(_settings()) is offline


async def test_with_an_api_key_claude_is_used_and_its_client_closed_on_stop(
    offline: Offline,
) -> None:
    closers: list[Closer] = []
    built = _build(_settings(ANTHROPIC_API_KEY="sk-test"), closers)
    assert isinstance(built, ClaudeAnswerer)
    assert len(closers) == 1
    await closers[0]()


def test_claude_needs_the_store_client(offline: Offline) -> None:
    config = _settings(ANTHROPIC_API_KEY="sk-test")
    with pytest.raises(ConfigError, match="store client"):
        backends.build_answerer(config, StoreFacts(MemoryStore()), ZONE)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"AI_CLAUDE_TIMEOUT_SECONDS": "30", "BUS_ACK_WAIT_SECONDS": "30"}, "AI_CLAUDE_TIMEOUT"),
        ({"AI_CLAUDE_TIMEOUT_SECONDS": "0"}, "AI_CLAUDE_TIMEOUT"),
        ({"AI_CLAUDE_MAX_RETRIES": "-1"}, "AI_CLAUDE_MAX_RETRIES"),
        ({"AI_MAX_OUTPUT_TOKENS": "0"}, "AI_MAX_OUTPUT_TOKENS"),
    ],
)
def test_claude_settings_that_cannot_work_stop_the_start(
    offline: Offline, env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        _build(_settings(ANTHROPIC_API_KEY="sk-test", **env))


def test_claude_defaults_fail_fast_within_the_ack_deadline() -> None:
    config = _settings()
    assert config.ai_model == "claude-haiku-5-5"
    assert config.ai_claude_timeout_seconds < config.bus_ack_wait_seconds
    assert config.anthropic_api_key == ""
