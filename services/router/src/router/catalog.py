"""The organisation's services as the router needs them, re-read from the store now and then.

A :class:`Catalog` holds the active services in display order, each with the
prompts of its latest context (texts staff can change through the admin API),
a :class:`KeywordMatcher` over every service's trigger keywords, and the
proper nouns of the services' valid facts (the organisation's places and
groups, which a question may name: :func:`router.personal.organisation_names`). It is
rebuilt at most every ``ttl`` seconds; if the store cannot answer, the last
catalog keeps serving (and the error propagates only when there is none yet).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from concierge_common.contracts import store_api as api
from concierge_common.errors import ConciergeError
from router.keywords import KeywordMatcher
from router.personal import organisation_names
from router.store_client import StorePort

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Service:
    """One service and the prompts of its current context."""

    view: api.ServiceView
    prompts: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.view.name

    @property
    def label(self) -> str:
        """A menu line: the description up to its first colon, without a final period."""
        text = self.view.description or self.view.name.capitalize()
        return text.split(" : ")[0].split(": ")[0].rstrip(". ")

    @property
    def is_human(self) -> bool:
        return self.view.processing_type == "human"


@dataclass(frozen=True)
class Catalog:
    services: tuple[Service, ...]
    matcher: KeywordMatcher
    names: frozenset[str] = frozenset()  # the organisation's proper nouns, folded

    @classmethod
    def build(cls, services: list[Service], names: frozenset[str] = frozenset()) -> Catalog:
        ordered = tuple(sorted(services, key=lambda s: (s.view.display_order, s.name)))
        matcher = KeywordMatcher((s.name, s.view.trigger_keywords) for s in ordered)
        return cls(ordered, matcher, names)

    @property
    def keyword_words(self) -> frozenset[str]:
        """Every word of every service's trigger keywords."""
        return frozenset(
            word for s in self.services for k in s.view.trigger_keywords for word in k.split()
        )

    @property
    def known_words(self) -> frozenset[str]:
        """Words of the organisation a question may contain: keywords and proper nouns."""
        return self.keyword_words | self.names

    def by_name(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def by_id(self, service_id: str | None) -> Service | None:
        return next((s for s in self.services if s.view.id == service_id), None)

    def named_in(self, text: str) -> list[Service]:
        """Services whose trigger keywords ``text`` contains, best match first."""
        found = (self.by_name(name) for name in self.matcher.match(text))
        return [service for service in found if service is not None]

    def best_named(self, text: str, allowed: set[str]) -> list[Service]:
        """The ``allowed`` services ``text`` names most (several when they tie)."""
        hits = {name: n for name, n in self.matcher.hits(text).items() if name in allowed}
        if not hits:
            return []
        top = max(hits.values())
        found = (self.by_name(name) for name, n in hits.items() if n == top)
        return [service for service in found if service is not None]

    def prompt(self, key: str, *names: str) -> str | None:
        """The first of ``names``' services that has prompt ``key``, else any service's."""
        candidates = [s for n in names if (s := self.by_name(n))] + list(self.services)
        return next((s.prompts[key] for s in candidates if s.prompts.get(key)), None)


class CatalogCache:
    """Loads the catalog from the store, at most once per ``ttl`` seconds."""

    def __init__(
        self,
        store: StorePort,
        *,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._clock = clock
        self._catalog: Catalog | None = None
        self._loaded_at = 0.0

    async def get(self) -> Catalog:
        now = self._clock()
        if self._catalog is not None and now - self._loaded_at < self._ttl:
            return self._catalog
        try:
            self._catalog = await self._load()
        except ConciergeError:
            if self._catalog is None:
                raise
            log.warning("store unavailable, routing with the previous catalog")
        self._loaded_at = now
        return self._catalog

    async def _load(self) -> Catalog:
        services = []
        texts: list[str] = []
        for view in await self._store.services():
            if not view.is_active:
                continue
            contexts = await self._store.contexts(view.id)
            prompts = dict(contexts[0].prompts) if contexts else {}
            services.append(Service(view, prompts))
            texts += [f"{info.title}. {info.content}" for info in await self._store.infos(view.id)]
        return Catalog.build(services, organisation_names(texts))
