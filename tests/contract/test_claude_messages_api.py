"""The Claude answerer with the real ``anthropic`` SDK against a local fake Messages API.

Every test ends in an answer or a handoff; the request the SDK actually sent is
checked as the fake received it (headers and JSON body).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from ai.answerer import Answer, HandOff
from support import fake_claude as fake
from support.claude_store import NOW, PHONE, USER_REF, MemoryStore, claude, settings, turn

PROMPT = "Vous êtes l'assistant d'accueil de la paroisse Saint-Martin."
MASSES = "Messe le dimanche à 10 h 30 en l'église Saint-Martin."


@pytest.fixture
def store() -> MemoryStore:
    memory = MemoryStore()
    service = memory.add_service("RENSEIGNEMENT", prompt=PROMPT)
    memory.add_info(service, "Horaires des messes", MASSES)
    memory.add_service("CATECHESE", required_role="parent", description="Le catéchisme.")
    memory.add_service("CONTACT_HUMAIN", processing_type="human")
    return memory


def _fact_id(store: MemoryStore, title: str) -> str:
    return next(info.id for info in store.infos if info.title == title)


def _sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


async def test_the_request_is_the_documented_one(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    masses = _fact_id(store, "Horaires des messes")
    server.will(fake.answer("La messe est le dimanche à 10 h 30.", [masses]))
    async with claude(store, settings(server.url, ai_max_output_tokens="321")) as answerer:
        await answerer.answer(turn("À quelle heure est la messe dimanche ?"))

    [sent] = server.requests
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.headers["anthropic-version"] == "2026-10-21"
    body = sent.body
    assert body["model"] == "claude-haiku-5-5"
    assert body["max_tokens"] == 321
    assert not {"temperature", "top_p", "top_k", "stream"} & set(body)
    assert body["metadata"] == {"user_id": USER_REF}
    assert body["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    assert body["thinking"] == {"type": "disabled"}
    instructions, facts = body["system"]
    assert instructions["cache_control"] == {"type": "ephemeral"}
    assert instructions["text"].startswith(PROMPT)
    assert "<facts>" in instructions["text"]  # the rules name the data tags
    assert facts["cache_control"] == {"type": "ephemeral"}
    assert f'<fact id="{masses}" title="Horaires des messes">' in facts["text"]
    assert "mercredi 25 novembre 2026" in facts["text"]
    assert body["messages"] == [
        {"role": "user", "content": "À quelle heure est la messe dimanche ?"}
    ]


async def test_the_tools_are_strict_and_route_only_to_other_services(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    server.will(fake.handoff())
    async with claude(store, settings(server.url)) as answerer:
        await answerer.answer(turn("Une question ?"))

    tools = {tool["name"]: tool for tool in server.requests[0].body["tools"]}
    assert set(tools) == {"answer", "handoff_to_human", "route_to_service"}
    assert all(tool["strict"] is True for tool in tools.values())
    answer = tools["answer"]["input_schema"]
    assert answer["required"] == ["text", "cited_fact_ids"]
    assert answer["additionalProperties"] is False
    service = tools["route_to_service"]["input_schema"]["properties"]["service"]
    assert service["enum"] == ["CATECHESE", "CONTACT_HUMAIN"]


async def test_the_person_is_only_an_opaque_hash_to_claude(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    server.will(fake.handoff())
    async with claude(store, settings(server.url)) as answerer:
        await answerer.answer(turn("Bonjour, pouvez-vous me rappeler ?"))

    raw = str(server.requests[0].body)
    assert PHONE.split("@")[0] not in raw
    assert "Marie Dupont" not in raw
    assert server.requests[0].body["metadata"]["user_id"] == USER_REF


async def test_a_good_answer_is_given_with_the_facts_it_cites(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    masses = _fact_id(store, "Horaires des messes")
    server.will(fake.answer("La messe est le dimanche à 10 h 30.", [masses]))
    before = _sample("concierge_ai_claude_turns_total", {"outcome": "answered", "detail": "fact"})
    timed = _sample("concierge_ai_claude_request_seconds_count")
    async with claude(store, settings(server.url)) as answerer:
        result = await answerer.answer(turn("Messe dimanche ?"))

    assert result == Answer("La messe est le dimanche à 10 h 30.", "fact", (masses,))
    after = _sample("concierge_ai_claude_turns_total", {"outcome": "answered", "detail": "fact"})
    assert after == before + 1
    assert _sample("concierge_ai_claude_request_seconds_count") == timed + 1


async def test_a_429_with_retry_after_ms_is_retried_then_answered(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    masses = _fact_id(store, "Horaires des messes")
    server.will(fake.rate_limited(), fake.answer("Le dimanche à 10 h 30.", [masses]))
    async with claude(store, settings(server.url)) as answerer:
        result = await answerer.answer(turn("Messe dimanche ?"))

    assert isinstance(result, Answer)
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]


async def test_three_overloaded_529_end_in_a_handoff(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    server.otherwise = fake.overloaded()
    labels = {"outcome": "error", "detail": "OverloadedError"}
    before = _sample("concierge_ai_claude_turns_total", labels)
    async with claude(store, settings(server.url, ai_claude_max_retries="2")) as answerer:
        result = await answerer.answer(turn("Messe dimanche ?"))

    assert result == HandOff("ai_unavailable")
    assert len(server.requests) == 3
    assert _sample("concierge_ai_claude_turns_total", labels) == before + 1


async def test_a_timeout_ends_in_a_handoff(server: fake.FakeClaude, store: MemoryStore) -> None:
    server.otherwise = fake.slow(fake.handoff(), 30.0)
    config = settings(server.url, ai_claude_timeout_seconds="0.2", ai_claude_max_retries="0")
    async with claude(store, config) as answerer:
        result = await answerer.answer(turn("Messe dimanche ?"))

    assert result == HandOff("ai_unavailable")


async def test_a_refusal_ends_in_a_handoff(server: fake.FakeClaude, store: MemoryStore) -> None:
    server.will(fake.refusal())
    async with claude(store, settings(server.url)) as answerer:
        result = await answerer.answer(turn("Une question étrange"))

    assert result == HandOff("ai_refusal")


async def test_an_answer_citing_an_unknown_info_id_is_rejected(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    server.will(fake.answer("La messe est à 8 h le dimanche.", ["info-inventee"]))
    labels = {"outcome": "rejected", "detail": "unknown_citation"}
    before = _sample("concierge_ai_claude_turns_total", labels)
    async with claude(store, settings(server.url)) as answerer:
        result = await answerer.answer(turn("Messe dimanche ?"))

    assert result == HandOff("ai_rejected")
    assert _sample("concierge_ai_claude_turns_total", labels) == before + 1


async def test_an_answer_with_a_phone_number_absent_from_the_facts_is_rejected(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    masses = _fact_id(store, "Horaires des messes")
    server.will(fake.answer("Appelez le 04 72 00 00 00 pour la messe.", [masses]))
    async with claude(store, settings(server.url)) as answerer:
        result = await answerer.answer(turn("Un numéro ?"))

    assert result == HandOff("ai_rejected")


async def test_claude_handing_off_gives_its_reason_and_summary(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    server.will(fake.handoff("person_asked", "Veut parler au curé."))
    async with claude(store, settings(server.url)) as answerer:
        result = await answerer.answer(turn("Je veux parler au curé"))

    assert result == HandOff("person_asked", "Veut parler au curé.")


async def test_plain_text_without_a_tool_is_unsure(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    server.will(fake.plain_text())
    async with claude(store, settings(server.url)) as answerer:
        result = await answerer.answer(turn("Une question ?"))

    assert result == HandOff("ai_unsure")


async def test_an_answer_cut_by_max_tokens_is_unsure(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    server.will(fake.message([{"type": "text", "text": "La messe est"}], "max_tokens"))
    async with claude(store, settings(server.url)) as answerer:
        result = await answerer.answer(turn("Une question ?"))

    assert result == HandOff("ai_unsure")


async def test_a_spend_limit_is_not_retried_and_hands_off(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    server.otherwise = fake.error(
        429, "rate_limit_error", error_code="enforced_spend_limit_reached"
    )
    async with claude(store, settings(server.url, ai_claude_max_retries="2")) as answerer:
        result = await answerer.answer(turn("Messe dimanche ?"))

    assert result == HandOff("ai_spend_limit")
    assert len(server.requests) == 1


async def test_a_wrong_api_key_hands_off_and_logs_an_error(
    server: fake.FakeClaude, store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    server.otherwise = fake.error(401, "authentication_error")
    caplog.set_level(logging.ERROR, logger="ai.claude.answerer")
    async with claude(store, settings(server.url)) as answerer:
        result = await answerer.answer(turn("Messe dimanche ?"))

    assert result == HandOff("ai_unavailable")
    assert len(server.requests) == 1
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "configuration" in record.getMessage()
    assert "sk-test" not in caplog.text


async def test_tokens_and_estimated_cost_are_counted(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    tokens = fake.usage(input_tokens=1000, output_tokens=200, cache_read=3000, cache_write=0)
    server.will(fake.answer("Avec plaisir !", [], tokens=tokens))
    names = ("input", "output", "cache_read")
    before = {k: _sample("concierge_ai_claude_tokens_total", {"kind": k}) for k in names}
    cost_before = _sample("concierge_ai_claude_cost_usd_total")
    async with claude(store, settings(server.url)) as answerer:
        await answerer.answer(turn("Un grand merci pour tout cela, à bientôt"))

    after = {k: _sample("concierge_ai_claude_tokens_total", {"kind": k}) for k in names}
    assert {k: after[k] - before[k] for k in names} == {
        "input": 1000,
        "output": 200,
        "cache_read": 3000,
    }
    # 1000 x 0.10 + 200 x 0.50 + 3000 x 0.01 per million tokens
    expected = (1000 * 0.10 + 200 * 0.50 + 3000 * 0.01) / 1_000_000
    assert _sample("concierge_ai_claude_cost_usd_total") - cost_before == pytest.approx(expected)


async def test_expired_and_future_facts_are_never_in_the_prompt(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    service = store.services[0].id
    day = timedelta(days=1)
    store.add_info(service, "Ancien horaire", "Messe à 9 h.", valid_to=NOW - day)
    store.add_info(service, "Horaire futur", "Messe à 11 h.", valid_from=NOW + day)
    store.add_info(
        service, "Horaire de l'Avent", "Messe à 18 h.", valid_from=NOW - day, valid_to=NOW + day
    )
    store.add_info(service, "Fin pile maintenant", "Messe à 7 h.", valid_to=NOW)
    server.will(fake.handoff())
    async with claude(store, settings(server.url)) as answerer:
        await answerer.answer(turn("Messe ?"))

    titles = set(server.requests[0].facts().values())
    assert titles == {"Horaires des messes", "Horaire de l'Avent"}
    system = server.requests[0].system_text()
    assert "Messe à 9 h." not in system
    assert "Messe à 11 h." not in system
    assert "Messe à 7 h." not in system


@pytest.mark.parametrize(
    ("question", "rule_words"),
    [
        # Each class of issue 15 and the words of the rule that covers it in the request.
        ("Hello, what time is Mass on Sunday?", ["langue de la personne", "anglais"]),
        ("c koi lé horR d mess", ["écriture SMS"]),
        ("à quelle heure ouvre le secrétariat ?", ["même si elle nomme", "secrétariat"]),
        ("mon père est décédé cette nuit", ["condoléances", "obsèques", "accompagne"]),
        ("quel temps fera-t-il demain ?", ["sans rapport avec la paroisse", "météo"]),
    ],
)
async def test_the_request_carries_the_rule_for_each_kind_of_question(
    server: fake.FakeClaude, store: MemoryStore, question: str, rule_words: list[str]
) -> None:
    server.will(fake.handoff())
    async with claude(store, settings(server.url)) as answerer:
        await answerer.answer(turn(question))

    [sent] = server.requests
    instructions = sent.body["system"][0]["text"]
    assert all(words in instructions for words in rule_words)
    assert sent.body["messages"][-1] == {"role": "user", "content": question}


async def test_an_out_of_scope_reply_that_cites_nothing_is_sent(
    server: fake.FakeClaude, store: MemoryStore
) -> None:
    kind = "Je ne peux pas vous aider pour la météo ici, mais volontiers pour la paroisse."
    server.will(fake.answer(kind, []))
    async with claude(store, settings(server.url)) as answerer:
        answer = await answerer.answer(turn("quel temps fera-t-il demain ?"))
    assert isinstance(answer, Answer)
    assert answer.text == kind
