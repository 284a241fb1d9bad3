"""The answerer is warmed up before ai takes a turn: exactly what it answers with, loaded once.

The embedder is the real :class:`ai.embeddings.E5Embedder` (worker thread, vectors
cached by text) over a topic model whose loader the test lets finish
(:mod:`support.gated_model`); the store is in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar
from zoneinfo import ZoneInfo

import msgspec
import pytest

from ai import backends, warmup
from ai.answerer import FactAnswerer
from ai.embeddings import E5Embedder
from ai.facts import StoreFacts
from ai.hybrid import BACKGROUND, Calibration, HybridRanker, passage_text
from ai.ranking import Document
from ai.settings import AiSettings
from concierge_common import settings as settings_module
from concierge_common.bus.runtime import Closer
from concierge_common.errors import DatabaseUnavailable, DownstreamUnavailable, Outage
from support.claude_store import MemoryStore
from support.fake_embedder import TopicModel
from support.gated_model import GatedLoader

T = TypeVar("T")
ZONE = ZoneInfo("Europe/Paris")
TOPICS = {"chorale": ("chorale", "chanter"), "messe": ("messe", "messes", "dimanche")}
CHORALE = ("Chorale paroissiale", "La chorale répète le jeudi à 20h15, salle Saint-Joseph.")
MESSES = ("Messes du dimanche", "Messe le dimanche à 10h30 en l'église Saint-Martin.")
PERMANENCES = ("Permanences", "Du lundi au vendredi de 9h30 à 12h, au 10 rue Martin.")
QUESTION = "je voudrais chanter dans la chorale"


def _store() -> MemoryStore:
    store = MemoryStore()
    answered = store.add_service("RENSEIGNEMENT")
    for title, content in (CHORALE, MESSES):
        store.add_info(answered, title, content)
    by_people = store.add_service("CONTACT_HUMAIN", processing_type="human")
    store.add_info(by_people, *PERMANENCES)
    return store


def _passage(title: str, content: str) -> str:
    return passage_text(Document("", "", title, content))


class Unreachable:
    """The store, that does not answer its first ``failures`` requests."""

    def __init__(
        self, store: MemoryStore, failures: int, model: TopicModel, error: type[Exception]
    ) -> None:
        self.store = store
        self.failures = failures
        self.error = error
        self.model = model
        self.queries_when_refused: list[int] = []  # model queries made before each refusal

    async def call(
        self,
        service: str,
        operation: str,
        request: msgspec.Struct,
        result_type: type[T],
        *,
        timeout: float | None = None,
    ) -> T:
        if len(self.queries_when_refused) < self.failures:
            self.queries_when_refused.append(len(self.model.queries))
            raise self.error("no store replica answers")
        return await self.store.call(service, operation, request, result_type)


@pytest.fixture
async def loader() -> AsyncIterator[GatedLoader]:
    gated = GatedLoader(TOPICS)
    yield gated
    gated.gate.set()  # a failed test must not leave the worker thread waiting


@pytest.fixture
async def embedder(loader: GatedLoader) -> AsyncIterator[E5Embedder]:
    model = E5Embedder(threads=1, loader=loader)
    yield model
    model.close()


async def test_warm_up_returns_only_once_the_model_is_loaded_and_the_facts_embedded(
    loader: GatedLoader, embedder: E5Embedder
) -> None:
    ranker = HybridRanker(embedder, Calibration())
    warming = asyncio.create_task(warmup.warm_up(ranker, _store()))

    await loader.entered.wait()
    assert not warming.done()  # the model is still loading
    loader.gate.set()
    await warming

    assert loader.calls == 1
    assert loader.model.queries == list(BACKGROUND)
    embedded = loader.model.passages_embedded
    assert embedded == [*BACKGROUND, _passage(*CHORALE), _passage(*MESSES)]  # ai's services only


async def test_the_first_question_after_the_warm_up_loads_and_embeds_nothing_but_itself(
    loader: GatedLoader, embedder: E5Embedder
) -> None:
    store = _store()
    ranker = HybridRanker(embedder, Calibration())
    loader.gate.set()
    await warmup.warm_up(ranker, store)
    embedded = list(loader.model.passages_embedded)

    found = await FactAnswerer(StoreFacts(store), ranker=ranker).find("RENSEIGNEMENT", QUESTION)

    assert found is not None
    assert found.text == CHORALE[1]
    assert loader.calls == 1
    assert loader.model.passages_embedded == embedded
    assert loader.model.queries[len(BACKGROUND) :] == [QUESTION]


@pytest.mark.parametrize("error", [Outage, DatabaseUnavailable, DownstreamUnavailable])
async def test_while_the_store_does_not_answer_the_model_loads_and_the_facts_wait_for_it(
    loader: GatedLoader, embedder: E5Embedder, error: type[Exception]
) -> None:
    store = Unreachable(_store(), failures=3, model=loader.model, error=error)
    ranker = HybridRanker(embedder, Calibration())
    loader.gate.set()

    await warmup.warm_up(ranker, store, retry_delays=(0.0,))

    assert store.queries_when_refused == [len(BACKGROUND)] * 3  # the model was warm already
    assert loader.model.passages_embedded[len(BACKGROUND) :] == [
        _passage(*CHORALE),
        _passage(*MESSES),
    ]


async def test_an_answerer_that_loads_no_model_has_nothing_to_warm_up() -> None:
    store = MemoryStore()

    await warmup.warm_up(None, store)

    assert store.received == []  # not even the store is asked


def _settings(**env: str) -> AiSettings:
    return settings_module.load(AiSettings, {"NATS_URL": "nats://127.0.0.1:1", **env})


async def _ranker(config: AiSettings, embedder: E5Embedder) -> HybridRanker | None:
    """The ranker of the answerer ``config`` asks for (what ai warms up at start)."""
    store = MemoryStore()
    closers: list[Closer] = []
    backend = backends.build_backend(
        config, StoreFacts(store), ZONE, rpc=store, on_stop=closers.append, embedder=embedder
    )
    for close in closers:
        await close()
    return backend.ranker


async def test_only_the_offline_answerer_with_embeddings_has_a_model_to_warm_up(
    loader: GatedLoader, embedder: E5Embedder
) -> None:
    offline = await _ranker(_settings(), embedder)
    claude = await _ranker(_settings(ANTHROPIC_API_KEY="sk-test"), embedder)
    words_only = await _ranker(_settings(AI_OFFLINE_EMBEDDINGS="false"), embedder)

    assert claude is None
    assert words_only is None
    assert offline is not None
    loader.gate.set()
    await offline.warm_up(())
    assert loader.calls == 1  # the offline ranker embeds with the embedder given
