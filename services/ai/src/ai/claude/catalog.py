"""The services Claude works for: names, descriptions, access and current system prompts.

Read from the store (``service.list``, then ``context.list`` of every service
answered by ai: the highest version is the current prompt) and kept
``ttl_seconds``, like the facts. While the store cannot be reached, the last
catalog read keeps being used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from ai.facts import Rpc
from concierge_common.contracts import store_api
from concierge_common.errors import NotFound, RetryableError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    """One active service of the catalog."""

    name: str
    description: str
    processing_type: str  # "ai", "form" or "human"
    required_role: str | None
    system_prompt: str  # "" when the service has no context yet

    @property
    def answered_by_ai(self) -> bool:
        return self.processing_type == "ai"


class Catalog:
    """The store's active services and their current prompts, cached."""

    def __init__(
        self,
        rpc: Rpc,
        *,
        ttl_seconds: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rpc = rpc
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[str, Entry] | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def services(self) -> dict[str, Entry]:
        """The active services by name."""
        async with self._lock:
            if self._entries is None or self._monotonic() - self._fetched_at >= self._ttl:
                await self._refresh()
            assert self._entries is not None
            return self._entries

    async def _refresh(self) -> None:
        try:
            entries = await self._fetch()
        except RetryableError:  # the store unreachable, or its database down
            if self._entries is None:
                raise
            log.warning("store unreachable, using the last service catalog read")
            return
        self._entries = entries
        self._fetched_at = self._monotonic()

    async def _fetch(self) -> dict[str, Entry]:
        views = await self._rpc.call(
            store_api.SERVICE,
            store_api.SERVICE_LIST,
            store_api.ListQuery(),
            list[store_api.ServiceView],
        )
        active = [view for view in views if view.is_active]
        prompts = await asyncio.gather(*(self._prompt(view) for view in active))
        return {
            view.name: Entry(
                view.name, view.description, view.processing_type, view.required_role, prompt
            )
            for view, prompt in zip(active, prompts, strict=True)
        }

    async def _prompt(self, service: store_api.ServiceView) -> str:
        if service.processing_type != "ai":
            return ""
        try:
            versions = await self._rpc.call(
                store_api.SERVICE,
                store_api.CONTEXT_LIST,
                store_api.ListQuery(service_id=service.id),
                list[store_api.ContextView],
            )
        except NotFound:
            return ""
        latest = max(versions, key=lambda version: version.version, default=None)
        return latest.system_prompt if latest is not None else ""
