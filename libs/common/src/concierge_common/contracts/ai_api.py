"""The ai service's request/reply contract: intent classification for the router.

When no service's trigger keyword matches a message and the person is in no
service yet, the router asks ai which of the offered services the message is
about (``rpc.v1.ai.intent.classify``). ``service`` is ``None`` when ai cannot
tell with confidence; the router then shows its menu or uses its default.
"""

from __future__ import annotations

import msgspec

SERVICE = "ai"

CLASSIFY = "intent.classify"  # ClassifyRequest -> ClassifyResult


class _Struct(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    pass


class ServiceChoice(_Struct, frozen=True):
    name: str  # e.g. RENSEIGNEMENT
    description: str = ""
    keywords: list[str] = msgspec.field(default_factory=list)


class ClassifyRequest(_Struct, frozen=True):
    text: str
    services: list[ServiceChoice]


class ClassifyResult(_Struct, frozen=True):
    service: str | None
    confidence: float = 0.0
