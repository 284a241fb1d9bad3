"""Asking ai which service a message is about, when no trigger keyword says it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts import ai_api
from concierge_common.errors import ConciergeError
from router.catalog import Service

log = logging.getLogger(__name__)


class Classifier(Protocol):
    async def classify(self, text: str, offered: Sequence[Service]) -> str | None: ...


class AiClassifier:
    """:class:`Classifier` over ai's ``intent.classify``; any failure means "cannot tell"."""

    def __init__(self, rpc: RpcClient, *, timeout: float) -> None:
        self._rpc = rpc
        self._timeout = timeout

    async def classify(self, text: str, offered: Sequence[Service]) -> str | None:
        request = ai_api.ClassifyRequest(
            text=text,
            services=[
                ai_api.ServiceChoice(
                    name=s.name,
                    description=s.view.description,
                    keywords=list(s.view.trigger_keywords),
                )
                for s in offered
            ],
        )
        try:
            result = await self._rpc.call(
                ai_api.SERVICE,
                ai_api.CLASSIFY,
                request,
                ai_api.ClassifyResult,
                timeout=self._timeout,
            )
        except ConciergeError as exc:
            log.warning("intent classification unavailable: %s", type(exc).__name__)
            return None
        return result.service
