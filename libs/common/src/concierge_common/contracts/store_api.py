"""The store's request/reply contract: operation names and their msgspec payloads.

store answers these on ``rpc.v1.store.<operation>`` (:mod:`concierge_common.bus.rpc`);
the gateway's HTTP API, the router and the handoff service call them. Times are
UTC ``datetime`` values (ISO 8601 on the wire); ids are UUID strings.

Errors: ``NotFound`` (404) when an id does not exist, ``Conflict`` (409) for an
illegal session transition or a duplicate name, ``InvalidRequest`` (422) for a
value the schema accepts but the rules do not (an empty validity window...),
``Erased`` (410) for a ``session.open`` of a message written before its person
was erased.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

SERVICE = "store"

SessionStatus = Literal["active", "awaiting_input", "handoff", "closed", "expired"]
ProcessingType = Literal["ai", "form", "human"]
Role = Literal["member", "parent", "catechist", "agent", "admin"]
HandoffState = Literal["requested", "assigned", "active", "returned", "closed"]
HandoffTrigger = Literal["person", "ai", "error", "lockout", "operator"]
ClaimStatus = Literal["accepted", "rejected", "locked"]

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


# Legal handoff transitions (returned: control is back with the bot; both ends are terminal).
# A human "owns" the conversation in every open state: the bot stays silent.
HANDOFF_OPEN_STATES: tuple[str, ...] = ("requested", "assigned", "active")
HANDOFF_TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"assigned", "active", "returned", "closed"}),
    "assigned": frozenset({"active", "returned", "closed"}),
    "active": frozenset({"returned", "closed"}),
    "returned": frozenset(),
    "closed": frozenset(),
}

# --- operations (the last part of the subject) ---------------------------------------

SESSION_GET = "session.get"  # ById -> SessionView
SESSION_UPDATE = "session.update"  # SessionUpdate -> SessionView
SESSION_OPEN = "session.open"  # SessionOpen -> SessionView (continued or created), with roles
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
CODE_CLAIM = "code.claim"  # CodeClaim -> ClaimResult (a parent proves who they are)
FAMILY_GET = "family.get"  # FamilyQuery -> list[FamilyView] (only the asking user's own rows)
HANDOFF_OPEN = "handoff.open"  # HandoffOpen -> HandoffView (the open one if there is one)
HANDOFF_GET = "handoff.get"  # ById -> HandoffView
HANDOFF_FIND = "handoff.find"  # HandoffQuery -> HandoffView (404 when none)
HANDOFF_LIST = "handoff.list"  # HandoffListQuery -> list[HandoffView], oldest first
HANDOFF_MOVE = "handoff.move"  # HandoffMove -> HandoffView (409: illegal or unexpected state)
HANDOFF_TOUCH = "handoff.touch"  # HandoffTouch -> HandoffView (activity of the person or staff)
HANDOFF_NOTICE = "handoff.notice"  # ById -> HandoffView (409 when the notice was already sent)
HANDOFF_EVENTS = "handoff.events"  # ById -> list[HandoffEventView], oldest first
# InteractionQuery -> list[InteractionView]: the last ``limit`` texts of a session, oldest first
INTERACTION_LIST = "interaction.list"
# KnownMessagesQuery -> list[str]: the given WAHA message ids already stored as interactions
INTERACTION_KNOWN = "interaction.known"


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
    # The person's other ids resolved by the gateway (the phone id of an "@lid"): the
    # first one already known names the person; the unknown ones are linked to them.
    aliases: list[str] = msgspec.field(default_factory=list)
    # When the message this is opened for was written (``messages.written_time``, Unix
    # seconds; 0: unknown, i.e. older than anything). A person erased since is not
    # brought back: the store answers 410 (``Erased``) and the caller drops the message.
    written_at: float = 0.0
    # How many of the session's last messages to return with it (``SessionView.recent``;
    # 0: none). The router carries them to ai, which would otherwise ask
    # ``interaction.list`` for them: one request less per answered turn.
    history: int = 0


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


class CodeClaim(_Struct, frozen=True):
    """A person sends a code (e.g. a parent code) to get the role it stands for."""

    user_id: str
    service_name: str  # e.g. CATECHESE
    code: str  # as typed: case, spaces and dashes are normalised by the store
    # The bus id of the message that carried the code: a redelivery of that message
    # (its first claim counted, the reply lost) costs no second attempt.
    message_id: str = ""


class FamilyQuery(_Struct, frozen=True):
    user_id: str
    service_name: str


class HandoffOpen(_Struct, frozen=True):
    """Open a handoff for a conversation (or get the one already open: idempotent).

    The person's open session moves to ``handoff`` in the same transaction, so
    the next message is relayed to a human. ``assigned_to`` set (a human already
    answered, e.g. from the phone): the handoff starts ``active``, owned by them;
    if one is already open it becomes ``active`` and its staff activity is touched.
    """

    conversation_id: str
    user_id: str
    wa_session: str  # WAHA session name
    chat_id: str  # the person's WhatsApp chat, where staff answers are relayed
    reason: str
    requested_by: HandoffTrigger
    summary: str = ""
    assigned_to: str | None = None
    # The bus message id of the message whose turn opens it (the router: the turn's last
    # message; handoff rescue: the failure's). Kept by the handoff that this call opens,
    # never changed by a later open: a redelivered message that finds the conversation
    # handed over knows from it whether the hand-off is its own, still to finish.
    message_id: str = ""


class HandoffQuery(_Struct, frozen=True):
    """The open handoff of a conversation, or any handoff by its reference."""

    conversation_id: str | None = None
    reference: str | None = None


class HandoffListQuery(_Struct, frozen=True):
    states: list[HandoffState] | None = None  # None: the open states
    limit: int = 100


class HandoffMove(_Struct, frozen=True):
    """Move a handoff to ``to``; ``expected``: the states it may be in (409 otherwise).

    ``returned`` ends the person's handoff session and opens a fresh active one
    (no context of the handoff is carried into later turns); ``closed`` closes
    the session.
    """

    id: str
    to: HandoffState
    actor: str  # "person", "staff:<name>", "timeout", "api:<subject>"...
    expected: list[HandoffState] | None = None
    note: str = ""


class HandoffTouch(_Struct, frozen=True):
    """Record activity: ``person`` wrote, or ``staff`` answered (first answer: active)."""

    id: str
    by: Literal["person", "staff"]
    staff: str = ""  # who answered (display name or "phone"); sets assigned_to if unset


class KnownMessagesQuery(_Struct, frozen=True):
    """Which of these WAHA messages of a session were already recorded (history recovery)."""

    wa_session: str
    provider_message_ids: list[str]


class InteractionQuery(_Struct, frozen=True):
    """The conversation so far: the last ``limit`` messages with a text of a session
    (``files``: also those without a text that carry a file, as the staff console shows)."""

    session_id: str
    limit: int = 20
    files: bool = False


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


class RoleGrant(_Struct, frozen=True):
    """A role a person holds for a service (a :class:`RoleView` without its record)."""

    service_id: str
    role: Role


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
    # session.open: the person's roles when it opened (None: not given, ask role.list).
    roles: list[RoleGrant] | None = None
    # session.open with ``history``: the session's last messages, oldest first (None:
    # not asked; empty for a session this call created).
    recent: list[InteractionView] | None = None


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
    """What a privacy erasure removed, and where (counts only).

    ``rows``: PostgreSQL rows per table (``relayed_interactions``: the person's
    messages relayed to a staff chat that is recorded, in its session);
    ``media_files``: files deleted from the media storage; ``streams``: bus
    messages removed per stream (``chat``: the conversation stream, ``dlq``:
    dead letters); ``buckets``: entries removed per key-value bucket
    (``wa_lids``, ``sent_replies``); ``redis_keys``: Redis keys deleted.
    """

    user_id: str
    rows: dict[str, int]
    media_files: int
    streams: dict[str, int] = msgspec.field(default_factory=dict)
    buckets: dict[str, int] = msgspec.field(default_factory=dict)
    redis_keys: int = 0


class ClaimResult(_Struct, frozen=True):
    """``accepted``: the role is bound to the user; ``rejected``: wrong code, attempts
    remain; ``locked``: too many wrong codes (the person's, or lately everyone's: see
    ``paused``), no code is checked until ``locked_until``."""

    status: ClaimStatus
    attempts_left: int
    locked_until: datetime | None = None
    role_id: str | None = None
    # Seconds until a code is checked again (``locked``: the lockout or the pause left).
    retry_after_seconds: float = 0.0
    # ``locked`` because too many wrong codes came lately from the person's channel (or
    # from everyone), not because of the person: nobody's code is checked until
    # ``locked_until``, and the person did nothing wrong (no handoff for them).
    paused: bool = False
    # This wrong code started such a pause: staff should be told (once per pause).
    pause_started: bool = False


class FamilyView(_Struct, frozen=True):
    """One verified role of the user and the record it opens (e.g. a family's children)."""

    role_id: str
    role: Role
    attributes: dict[str, Any]


class HandoffView(_Struct, frozen=True):
    id: str
    reference: str  # short, for staff: "H7K2P"
    conversation_id: str
    user_id: str
    session_id: str | None
    wa_session: str
    chat_id: str
    state: HandoffState
    reason: str
    requested_by: HandoffTrigger
    summary: str
    assigned_to: str | None
    created_at: datetime
    updated_at: datetime
    first_staff_reply_at: datetime | None
    last_person_at: datetime | None
    last_staff_at: datetime | None
    notice_sent_at: datetime | None
    ended_at: datetime | None
    created: bool = False  # handoff.open: True when this call opened it
    # ``HandoffOpen.message_id`` of the call that opened it; None when none was given.
    opened_by_message: str | None = None


class HandoffEventView(_Struct, frozen=True):
    """One line of a handoff's audit trail."""

    at: datetime
    from_state: HandoffState | None
    to_state: HandoffState
    actor: str
    note: str


class InteractionFile(_Struct, frozen=True):
    """The file of a message: one the person sent, or one sent with a reply (an ``.ics``).

    ``kind`` is ``image``, ``audio``, ``video`` or ``document``; ``storage_key`` is
    where the media storage keeps it (for the gateway to serve it to staff, never shown).
    """

    id: str  # its media row
    kind: str
    filename: str
    mime_type: str
    size: int
    storage_key: str


class InteractionView(_Struct, frozen=True):
    """One message of a session: ``in`` the person wrote, ``out`` the person read.

    ``origin`` says who wrote an ``out`` message (``ai``, ``router``, ``handoff``,
    ``staff``, ``operator``...); ``created_at`` is when it was sent; ``file`` is the
    file it carried, if any (None for a text alone).
    """

    direction: Literal["in", "out"]
    text: str
    origin: str
    created_at: datetime
    file: InteractionFile | None = None


# --- families of a service, and their parent codes (the admin API, issue 17) -----------
# A family's record is what a parent who proved the family's code reads back through
# ``family.get`` (``FamilyView.attributes``): ``{"family": name, "parents": [...],
# "children": [{"first_name", "last_name", "group", "catechist", "schedule",
# "next_sessions": [{"date", "time", "end", "place"}]}]}``. One code at a time per
# family: issuing a new one revokes the earlier one (and the parents who proved it
# must prove the new one).

FAMILY_LIST = "family.list"  # ListQuery(service_id) -> list[FamilyRecordView], by name
FAMILY_READ = "family.read"  # ById -> FamilyRecordView
FAMILY_CREATE = "family.create"  # FamilyWrite -> FamilyRecordView
FAMILY_UPDATE = "family.update"  # FamilyUpdate -> FamilyRecordView
FAMILY_DELETE = "family.delete"  # ById -> Deleted (its code and parents' roles with it)
FAMILY_ISSUE_CODE = "family.issue_code"  # ById -> IssuedCode (the code in clear, this once)
FAMILY_REVOKE_CODE = "family.revoke_code"  # ById -> FamilyRecordView (404: no code)


class FamilySession(_Struct, frozen=True):
    """One dated session of a child: ``date`` ``YYYY-MM-DD``, ``time``/``end`` ``HH:MM``."""

    date: str
    time: str | None = None
    end: str | None = None
    place: str | None = None


class FamilyChild(_Struct, frozen=True):
    first_name: str
    last_name: str = ""
    group: str = ""
    catechist: str = ""
    schedule: str = ""  # the usual days, hours and room, in words
    next_sessions: list[FamilySession] = msgspec.field(default_factory=list)


class FamilyWrite(_Struct, frozen=True):
    service_id: str
    name: str  # "Famille Lefèvre"
    parents: list[str] = msgspec.field(default_factory=list)
    children: list[FamilyChild] = msgspec.field(default_factory=list)


class FamilyUpdate(_Struct, frozen=True):
    """Fields left None are kept; ``parents`` and ``children`` replace the whole list."""

    id: str
    name: str | None = None
    parents: list[str] | None = None
    children: list[FamilyChild] | None = None


class FamilyRecordView(_Struct, frozen=True):
    """A family as staff see it: its record, and the state of its code (never the code)."""

    id: str
    service_id: str
    name: str
    parents: list[str]
    children: list[FamilyChild]
    has_code: bool
    code_issued_at: datetime | None
    verified_parents: int  # people who proved the current code
    import_source: str | None  # the information source it is synced from, if any
    created_at: datetime
    updated_at: datetime


class IssuedCode(_Struct, frozen=True):
    """A new parent code of a family, in clear: shown this once, stored only hashed."""

    family_id: str
    code: str
    issued_at: datetime
    revoked_roles: int  # role rows of the earlier code removed (provisioned and proved)
