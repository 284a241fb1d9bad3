"""The store's request/reply contract: operation names and their msgspec payloads.

store answers these on ``rpc.v1.store.<operation>`` (:mod:`concierge_common.rpc`);
the gateway's HTTP API, the router and the handoff service call them. Times are
UTC ``datetime`` values (ISO 8601 on the wire); ids are UUID strings.

Errors: ``NotFound`` (404) when an id does not exist, ``Conflict`` (409) for an
illegal session transition or a duplicate name, ``InvalidRequest`` (422) for a
value the schema accepts but the rules do not (an empty validity window...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

SERVICE = "store"

SessionStatus = Literal["active", "awaiting_input", "handoff", "closed", "expired"]
ProcessingType = Literal["ai", "form", "human"]
Role = Literal["member", "parent", "catechist", "agent", "admin"]

# Legal session transitions (closed and expired are terminal).
SESSION_TRANSITIONS: dict[str, frozenset[str]] = {
    "active": frozenset({"awaiting_input", "handoff", "closed", "expired"}),
    "awaiting_input": frozenset({"active", "handoff", "closed", "expired"}),
    "handoff": frozenset({"active", "closed", "expired"}),
    "closed": frozenset(),
    "expired": frozenset(),
}


class _Struct(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    pass


# --- operations (the last part of the subject) ---------------------------------------

SESSION_GET = "session.get"  # ById -> SessionView
SESSION_UPDATE = "session.update"  # SessionUpdate -> SessionView
SESSION_OPEN = "session.open"  # SessionOpen -> SessionView (continue the active one or create)
USER_GET = "user.get"  # ById -> UserView
USER_ERASE = "user.erase"  # ById -> ErasureReport
SERVICE_LIST = "service.list"  # ListQuery -> list[ServiceView]
SERVICE_GET = "service.get"  # ById -> ServiceView
SERVICE_CREATE = "service.create"  # ServiceWrite -> ServiceView
SERVICE_UPDATE = "service.update"  # ServiceUpdate -> ServiceView
SERVICE_DELETE = "service.delete"  # ById -> Deleted
CONTEXT_LIST = "context.list"  # ListQuery(service_id) -> list[ContextView]
CONTEXT_GET = "context.get"  # ById -> ContextView
CONTEXT_CREATE = "context.create"  # ContextWrite -> ContextView (next version)
CONTEXT_DELETE = "context.delete"  # ById -> Deleted
INFO_LIST = "info.list"  # ListQuery(service_id, valid_at) -> list[InfoView]
INFO_GET = "info.get"  # ById -> InfoView
INFO_CREATE = "info.create"  # InfoWrite -> InfoView
INFO_UPDATE = "info.update"  # InfoUpdate -> InfoView
INFO_DELETE = "info.delete"  # ById -> Deleted
ROLE_LIST = "role.list"  # ListQuery(user_id or service_id) -> list[RoleView]
ROLE_GRANT = "role.grant"  # RoleWrite -> RoleView
ROLE_REVOKE = "role.revoke"  # ById -> Deleted


# --- requests ---------------------------------------------------------------------------


class ById(_Struct, frozen=True):
    id: str


class ListQuery(_Struct, frozen=True):
    service_id: str | None = None
    user_id: str | None = None
    valid_at: datetime | None = None  # info.list: only what is valid at that instant
    include_inactive: bool = False


class SessionOpen(_Struct, frozen=True):
    """The first message of a person (by WhatsApp id) opens a session or continues one."""

    whatsapp_id: str  # "...@c.us" or "...@lid"
    push_name: str = ""


class SessionUpdate(_Struct, frozen=True):
    id: str
    status: SessionStatus | None = None
    service_id: str | None = None
    state: dict[str, Any] | None = None  # replaces the whole state
    metadata: dict[str, Any] | None = None  # replaces the whole metadata


class ServiceWrite(_Struct, frozen=True):
    name: str  # upper case, e.g. RENSEIGNEMENT
    description: str = ""
    trigger_keywords: list[str] = msgspec.field(default_factory=list)
    processing_type: ProcessingType = "ai"
    required_role: Role | None = None
    is_active: bool = True
    display_order: int = 0


class ServiceUpdate(_Struct, frozen=True):
    id: str
    name: str | None = None
    description: str | None = None
    trigger_keywords: list[str] | None = None
    processing_type: ProcessingType | None = None
    required_role: Role | None = None
    clear_required_role: bool = False
    is_active: bool | None = None
    display_order: int | None = None


class ContextWrite(_Struct, frozen=True):
    service_id: str
    system_prompt: str
    prompts: dict[str, str] = msgspec.field(default_factory=dict)


class InfoWrite(_Struct, frozen=True):
    service_id: str
    title: str
    content: str
    valid_from: datetime | None = None  # None: valid since ever
    valid_to: datetime | None = None  # None: valid until removed; exclusive


class InfoUpdate(_Struct, frozen=True):
    id: str
    title: str | None = None
    content: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    clear_valid_from: bool = False
    clear_valid_to: bool = False


class RoleWrite(_Struct, frozen=True):
    user_id: str
    service_id: str
    role: Role
    intrinsic_id: str | None = None  # e.g. a parent code; stored hashed, never returned


# --- results ----------------------------------------------------------------------------


class Deleted(_Struct, frozen=True):
    id: str


class UserView(_Struct, frozen=True):
    id: str
    name: str
    is_active: bool
    whatsapp_ids: list[str]
    created_at: datetime
    updated_at: datetime


class SessionView(_Struct, frozen=True):
    id: str
    user_id: str
    service_id: str | None
    status: SessionStatus
    state: dict[str, Any]
    metadata: dict[str, Any]
    created_at: datetime
    last_activity_at: datetime
    expires_at: datetime
    created: bool = False  # session.open: True when this call created it


class ServiceView(_Struct, frozen=True):
    id: str
    name: str
    description: str
    trigger_keywords: list[str]
    processing_type: ProcessingType
    required_role: Role | None
    is_active: bool
    display_order: int
    created_at: datetime
    updated_at: datetime


class ContextView(_Struct, frozen=True):
    id: str
    service_id: str
    system_prompt: str
    prompts: dict[str, str]
    version: int
    created_at: datetime


class InfoView(_Struct, frozen=True):
    id: str
    service_id: str
    title: str
    content: str
    valid_from: datetime | None
    valid_to: datetime | None
    created_at: datetime
    updated_at: datetime


class RoleView(_Struct, frozen=True):
    id: str
    user_id: str | None
    service_id: str
    role: Role
    has_intrinsic_id: bool
    created_at: datetime


class ErasureReport(_Struct, frozen=True):
    """What a privacy erasure removed, by kind (counts only)."""

    user_id: str
    rows: dict[str, int]
    media_files: int
