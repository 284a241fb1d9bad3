"""What the Claude answerer reads from the store, in memory: an ``Rpc`` for its tests.

It answers ``service.list``, ``context.list``, ``info.list`` (only the infos valid
at ``valid_at``, like the store) and ``interaction.list``, records the requests,
and builds a :class:`ClaudeAnswerer` on the real SDK pointed at a fake server.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import msgspec

from ai.claude.answerer import ClaudeAnswerer, Images, Limits
from ai.claude.catalog import Catalog
from ai.claude.client import ClaudeClient, build_sdk
from ai.claude.costs import Prices
from ai.claude.history import StoreHistory
from ai.claude.images import ImageLoader
from ai.facts import StoreFacts
from ai.settings import AiSettings
from concierge_common import settings as settings_module
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import GenerateReply, MessageReceived
from concierge_common.storage.media_storage import LocalMediaStorage
from support.views import service_view

T = TypeVar("T")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Paris")
USER_REF = "u-3f9a1c0de2b7"  # an opaque hash, as the router makes
PHONE = "33612345678@c.us"


def _id() -> str:
    return str(uuid.uuid4())


@dataclass
class MemoryStore:
    services: list[api.ServiceView] = field(default_factory=list)
    contexts: list[api.ContextView] = field(default_factory=list)
    infos: list[api.InfoView] = field(default_factory=list)
    interactions: dict[str, list[api.InteractionView]] = field(default_factory=dict)
    received: list[tuple[str, Any]] = field(default_factory=list)

    def add_service(
        self,
        name: str,
        *,
        prompt: str = "",
        required_role: api.Role | None = None,
        processing_type: api.ProcessingType = "ai",
        description: str = "",
    ) -> str:
        service = service_view(
            name,
            service_id=_id(),
            order=len(self.services),
            description=description or f"Le service {name}.",
            processing_type=processing_type,
            required_role=required_role,
            at=NOW,
        )
        self.services.append(service)
        if prompt:
            self.contexts.append(
                api.ContextView(
                    id=_id(),
                    service_id=service.id,
                    system_prompt=prompt,
                    prompts={},
                    version=1,
                    created_at=NOW,
                )
            )
        return service.id

    def add_info(
        self,
        service_id: str,
        title: str,
        content: str,
        *,
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
    ) -> str:
        info = api.InfoView(
            id=_id(),
            service_id=service_id,
            title=title,
            content=content,
            valid_from=valid_from,
            valid_to=valid_to,
            created_at=NOW,
            updated_at=NOW,
        )
        self.infos.append(info)
        return info.id

    def add_messages(self, session_id: str, *said: tuple[Literal["in", "out"], str]) -> None:
        """(direction, text) pairs, oldest first, a minute apart."""
        history = self.interactions.setdefault(session_id, [])
        for direction, text in said:
            at = NOW - timedelta(hours=1) + timedelta(minutes=len(history))
            origin = "" if direction == "in" else "ai"
            history.append(
                api.InteractionView(direction=direction, text=text, origin=origin, created_at=at)
            )

    async def call(
        self,
        service: str,
        operation: str,
        request: msgspec.Struct,
        result_type: type[T],
        *,
        timeout: float | None = None,
    ) -> T:
        assert service == api.SERVICE
        self.received.append((operation, request))
        result = self._answer(operation, request)
        return msgspec.convert(msgspec.to_builtins(result), result_type)

    def _answer(self, operation: str, request: Any) -> Any:
        if operation == api.SERVICE_LIST:
            return self.services
        if operation == api.CONTEXT_LIST:
            return [c for c in self.contexts if c.service_id == request.service_id]
        if operation == api.INFO_LIST:
            at = request.valid_at
            return [
                info
                for info in self.infos
                if info.service_id == request.service_id and (at is None or _valid(info, at))
            ]
        if operation == api.INTERACTION_LIST:
            return self.interactions.get(request.session_id, [])[-request.limit :]
        raise AssertionError(f"unexpected store operation {operation}")

    def operations(self) -> list[str]:
        return [name for name, _ in self.received]


def _valid(info: api.InfoView, at: datetime) -> bool:
    return (info.valid_from is None or info.valid_from <= at) and (
        info.valid_to is None or at < info.valid_to
    )


def settings(base_url: str, **overrides: str) -> AiSettings:
    env = {
        "NATS_URL": "nats://127.0.0.1:1",
        "ANTHROPIC_API_KEY": "sk-test",
        "ANTHROPIC_BASE_URL": base_url,
        **{key.upper(): value for key, value in overrides.items()},
    }
    return settings_module.load(AiSettings, env)


def image_reader(
    base_url: str, store: MemoryStore, media_root: Path
) -> contextlib.AbstractAsyncContextManager[ClaudeAnswerer]:
    """The answerer with short answers and history, reading images from ``media_root``."""
    config = settings(base_url, ai_max_output_tokens="100", ai_history_messages="4")
    return claude(store, config, images=ImageLoader(LocalMediaStorage(media_root)))


@contextlib.asynccontextmanager
async def claude(
    store: MemoryStore, config: AiSettings, *, now: datetime = NOW, images: Images | None = None
) -> AsyncIterator[ClaudeAnswerer]:
    """The answerer as ``build_answerer`` wires it (strict response validation on),
    reading ``store`` (and ``images``), its clock at ``now``; its HTTP client closed after."""
    client = ClaudeClient(
        build_sdk(config, strict=True),
        model=config.ai_model,
        max_tokens=config.ai_max_output_tokens,
    )
    answerer = ClaudeAnswerer(
        client,
        StoreFacts(store, ttl_seconds=0.0, clock=lambda: now),
        Catalog(store, ttl_seconds=0.0),
        StoreHistory(store, limit=config.ai_history_messages),
        prices=Prices.from_settings(config),
        zone=ZONE,
        limits=Limits(history_chars=config.ai_history_chars),
        images=images,
        clock=lambda: now,
    )
    try:
        yield answerer
    finally:
        await client.close()


def turn(
    *texts: str,
    service: str = "RENSEIGNEMENT",
    session_id: str = "s-1",
    family: dict[str, Any] | None = None,
) -> GenerateReply:
    inbound = MessageReceived(
        message_id="m-1",
        conversation_id="c-1",
        correlation_id="k-1",
        session="default",
        chat_id=PHONE,
        sender_id=PHONE,
        provider_message_id="wamid-1",
        kind="text",
        text=texts[-1] if texts else "",
        push_name="Marie Dupont",
    )
    return GenerateReply(
        message_id="g-1",
        conversation_id="c-1",
        correlation_id="k-1",
        inbound=inbound,
        service=service,
        texts=list(texts),
        session_id=session_id,
        user_id="u-1",
        user_ref=USER_REF,
        family=family,
    )
