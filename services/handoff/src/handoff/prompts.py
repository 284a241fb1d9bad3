"""The person-facing texts, from the store's CONTACT_HUMAIN prompts when present.

The prompts are read through ``service.list`` + ``context.list`` and kept for
``HANDOFF_PROMPTS_TTL_SECONDS``; a key the store does not have falls back to
the built-in default (:data:`handoff.phrases.PERSON_DEFAULTS`). A person who wrote in
another language gets the built-in translation instead. When the store
cannot answer, the last prompts read (or the defaults) are used: telling the
person something is better than telling them nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from concierge_common.errors import RetryableError
from concierge_common.french.languages import FRENCH, Language
from handoff.business_hours import BusinessHours
from handoff.phrases import PERSON_DEFAULTS, PERSON_TRANSLATIONS, render

log = logging.getLogger(__name__)

SERVICE_NAME = "CONTACT_HUMAIN"


class PromptSource(Protocol):
    async def prompts(self, service_name: str) -> dict[str, str]: ...


class PersonTexts:
    """Renders a person-facing text by key, with the office hours filled in."""

    def __init__(
        self,
        source: PromptSource,
        hours: BusinessHours,
        *,
        ttl_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._hours = hours
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._cached: dict[str, str] | None = None
        self._fetched_at = 0.0

    @property
    def hours(self) -> BusinessHours:
        return self._hours

    async def text(self, key: str, at: datetime, language: Language = FRENCH) -> str:
        """The text ``key`` for a person who writes in ``language``: the organisation's
        prompt or the default in French, the built-in translation otherwise."""
        translated = PERSON_TRANSLATIONS.get(key, {}).get(language)
        if translated is not None:
            return render(translated, self._hours, at, language)
        prompts = await self._prompts()
        template = prompts.get(key, "").strip() or PERSON_DEFAULTS[key]
        return render(template, self._hours, at)

    async def _prompts(self) -> dict[str, str]:
        now = self._monotonic()
        if self._cached is not None and now - self._fetched_at < self._ttl:
            return self._cached
        try:
            fetched = await self._source.prompts(SERVICE_NAME)
        except RetryableError as exc:
            log.warning("prompts unavailable, using the last known texts: %s", exc)
            return self._cached or {}
        self._cached = fetched
        self._fetched_at = now
        return fetched
