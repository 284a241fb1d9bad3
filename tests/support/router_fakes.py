"""In-memory stand-ins for what the router talks to, for unit tests of its decisions.

``FakeStorePort`` keeps sessions, roles, families and handoffs with the
store's rules that matter to the router (a handoff moves the session to
``handoff``; a code is accepted, rejected or locked); ``RecordingPublisher``
keeps every published message with its flow.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import BusMessage, MessageReceived
from concierge_common.errors import Erased
from support.handoff_views import opened_view
from support.views import service_view

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CODES = {"SM4821": "Famille Lefèvre", "SM7390": "Famille Nguyen"}
FAMILIES = {
    "Famille Lefèvre": {"family": "Famille Lefèvre", "children": [{"first_name": "Léa"}]},
    "Famille Nguyen": {"family": "Famille Nguyen", "children": [{"first_name": "Thomas"}]},
}


def service(
    name: str,
    order: int,
    keywords: list[str],
    *,
    description: str = "",
    processing_type: api.ProcessingType = "ai",
    required_role: api.Role | None = None,
) -> api.ServiceView:
    return service_view(
        name,
        service_id=f"svc-{name.lower()}",
        order=order,
        keywords=keywords,
        description=description or f"{name.capitalize()} : détails.",
        processing_type=processing_type,
        required_role=required_role,
        at=NOW,
    )


PARISH = [
    service(
        "RENSEIGNEMENT",
        1,
        ["messe", "horaire", "baptême", "mariage", "accueil"],
        description="Informations pratiques sur la paroisse : messes, sacrements.",
    ),
    service(
        "CATECHESE",
        2,
        ["catéchisme", "caté", "enfant", "séance", "code parent"],
        description="Catéchisme des enfants : calendrier, groupes.",
        required_role="parent",
    ),
    service(
        "CONTACT_HUMAIN",
        3,
        ["secrétariat", "prêtre", "rendez-vous"],
        description="Être mis en relation avec une personne de l'accueil paroissial.",
        processing_type="human",
    ),
]


@dataclass
class FakeStorePort:
    """The store operations the router calls, with just their rules."""

    services_: list[api.ServiceView] = field(default_factory=lambda: list(PARISH))
    prompts: dict[str, dict[str, str]] = field(default_factory=dict)
    facts: dict[str, list[str]] = field(default_factory=dict)  # service id -> valid facts
    sessions: dict[str, api.SessionView] = field(default_factory=dict)  # by whatsapp id
    roles_: dict[str, list[api.RoleView]] = field(default_factory=dict)  # by user id
    families_: dict[str, list[str]] = field(default_factory=dict)  # user id -> family names
    handoffs: list[api.HandoffOpen] = field(default_factory=list)
    open_handoffs: dict[str, api.HandoffView] = field(default_factory=dict)  # by conversation
    handoff_lookups: list[str] = field(default_factory=list)  # conversation ids looked up
    claims: list[api.CodeClaim] = field(default_factory=list)
    updates: list[api.SessionUpdate] = field(default_factory=list)
    family_queries: list[api.FamilyQuery] = field(default_factory=list)
    claim_outcomes: list[str] = field(default_factory=list)  # forced verdicts, in order
    aliases: dict[str, list[str]] = field(default_factory=dict)  # the last aliases of an id
    erased: dict[str, float] = field(default_factory=dict)  # whatsapp id -> when erased
    roles_with_session: bool = True  # False: an older store (session.open without roles)
    role_lists: int = 0  # role.list calls

    async def open_session(
        self,
        whatsapp_id: str,
        push_name: str,
        aliases: Sequence[str] = (),
        *,
        written_at: float = 0.0,
    ) -> api.SessionView:
        if written_at <= self.erased.get(whatsapp_id, -1.0):
            raise Erased(f"session.open: {whatsapp_id} erased since")  # the store's rule
        self.aliases[whatsapp_id] = list(aliases)
        current = self.sessions.get(whatsapp_id)
        if current is not None and current.status not in ("closed", "expired"):
            return msgspec.structs.replace(current, created=False, roles=self._grants(current))
        user = current.user_id if current else f"user-{uuid.uuid4().hex[:8]}"
        session = api.SessionView(
            id=str(uuid.uuid4()),
            user_id=user,
            service_id=None,
            status="active",
            state={},
            metadata={},
            created_at=NOW,
            last_activity_at=NOW,
            expires_at=NOW + timedelta(minutes=30),
            created=True,
        )
        self.sessions[whatsapp_id] = session
        return msgspec.structs.replace(session, roles=self._grants(session))

    def _grants(self, session: api.SessionView) -> list[api.RoleGrant] | None:
        """The roles session.open returns with ``session`` (the real store's rule)."""
        if not self.roles_with_session:
            return None
        held = self.roles_.get(session.user_id, [])
        return [api.RoleGrant(service_id=r.service_id, role=r.role) for r in held]

    def session_of(self, whatsapp_id: str) -> api.SessionView:
        return self.sessions[whatsapp_id]

    async def update_session(self, update: api.SessionUpdate) -> api.SessionView:
        self.updates.append(update)
        for chat, session in self.sessions.items():
            if session.id == update.id:
                changes: dict[str, Any] = {
                    key: getattr(update, key)
                    for key in ("status", "service_id", "state")
                    if getattr(update, key) is not None  # None: unchanged, as in the store
                }
                self.sessions[chat] = msgspec.structs.replace(session, **changes, created=False)
                return self.sessions[chat]
        raise AssertionError(f"unknown session {update.id}")

    async def services(self) -> list[api.ServiceView]:
        return list(self.services_)

    async def contexts(self, service_id: str) -> list[api.ContextView]:
        prompts = self.prompts.get(service_id)
        if prompts is None:
            return []
        view = api.ContextView(
            id="ctx", service_id=service_id, system_prompt="", prompts=prompts, version=1,
            created_at=NOW,
        )  # fmt: skip
        return [view]

    async def infos(self, service_id: str) -> list[api.InfoView]:
        return [
            api.InfoView(
                id=f"info-{n}",
                service_id=service_id,
                title=f"Fait {n}",
                content=content,
                valid_from=None,
                valid_to=None,
                created_at=NOW,
                updated_at=NOW,
            )
            for n, content in enumerate(self.facts.get(service_id, []))
        ]

    async def roles(self, user_id: str) -> list[api.RoleView]:
        self.role_lists += 1
        return list(self.roles_.get(user_id, []))

    async def claim(self, claim: api.CodeClaim) -> api.ClaimResult:
        self.claims.append(claim)
        if self.claim_outcomes:
            verdict = self.claim_outcomes.pop(0)
            if verdict == "locked":
                return api.ClaimResult(status="locked", attempts_left=0, locked_until=NOW)
            if verdict in ("paused", "pause_started"):
                return api.ClaimResult(
                    status="locked", attempts_left=2, locked_until=NOW, paused=True,
                    pause_started=verdict == "pause_started",
                )  # fmt: skip
            return api.ClaimResult(status="rejected", attempts_left=int(verdict))
        family = CODES.get(claim.code.replace("-", "").replace(" ", "").upper())
        if family is None:
            return api.ClaimResult(status="rejected", attempts_left=2)
        self.families_.setdefault(claim.user_id, []).append(family)
        role = api.RoleView(
            id="role", user_id=claim.user_id, service_id="svc-catechese", role="parent",
            has_intrinsic_id=True, created_at=NOW,
        )  # fmt: skip
        self.roles_.setdefault(claim.user_id, []).append(role)
        return api.ClaimResult(status="accepted", attempts_left=3, role_id="role")

    async def families(self, user_id: str, service_name: str) -> list[api.FamilyView]:
        self.family_queries.append(api.FamilyQuery(user_id=user_id, service_name=service_name))
        return [
            api.FamilyView(role_id="role", role="parent", attributes=FAMILIES[name])
            for name in self.families_.get(user_id, [])
        ]

    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView:
        self.handoffs.append(request)
        for chat, session in self.sessions.items():
            if session.user_id == request.user_id and session.status != "closed":
                self.sessions[chat] = msgspec.structs.replace(session, status="handoff")
        current = self.open_handoffs.get(request.conversation_id)
        if current is not None:  # idempotent, as in the store: the open one, as it is
            return msgspec.structs.replace(current, created=False)
        opened = opened_view(request, opened_by_message=request.message_id or None)
        self.open_handoffs[request.conversation_id] = opened
        return opened

    async def open_handoff_of(self, conversation_id: str) -> api.HandoffView | None:
        self.handoff_lookups.append(conversation_id)
        current = self.open_handoffs.get(conversation_id)
        return None if current is None else msgspec.structs.replace(current, created=False)


class NoClassifier:
    """The intent classifier that never recognises anything."""

    async def classify(self, text: str, offered: Sequence[object]) -> str | None:
        return None


class MemoryHandled:
    """The router's handled-message memory, in a set."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def seen(self, message_id: str) -> bool:
        return message_id in self.ids

    async def remember(self, message_id: str) -> None:
        self.ids.add(message_id)


@dataclass
class RecordingPublisher:
    published: list[tuple[str, BusMessage]] = field(default_factory=list)

    async def publish(self, flow: str, message: BusMessage) -> object:
        self.published.append((flow, message))
        return None

    def of(self, kind: type[BusMessage]) -> list[Any]:
        return [message for _, message in self.published if isinstance(message, kind)]

    def texts(self) -> list[str]:
        return [str(getattr(message, "text", "")) for _, message in self.published]


_counter = iter(range(1, 1_000_000))


def inbound(
    text: str, chat: str = "33612345678@c.us", *, created_at: float = 0.0
) -> MessageReceived:
    number = next(_counter)
    return MessageReceived(
        message_id=f"m{number}",
        conversation_id=f"conv-{chat}",
        correlation_id=f"c{number}",
        session="default",
        chat_id=chat,
        sender_id=chat,
        provider_message_id=f"false_{chat}_{number}",
        text=text,
        push_name="Marie",
        created_at=created_at or 1.0,
    )
