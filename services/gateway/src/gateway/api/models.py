"""The HTTP API's bodies (pydantic, for FastAPI's validation and OpenAPI) and their
conversion to and from the store's msgspec contract (:mod:`concierge_common.contracts.store_api`).

This is the only place where the two meet. Request bodies forbid unknown fields.
``PATCH`` bodies change only the fields they carry; ``null`` clears the fields
that may be empty (a service's ``required_role``, an info's validity bounds) and
is refused for the others. Each response model shows every field of its store
view (the per-call flags such as ``created`` aside): a contract test checks the
pairs, so a field added to a view cannot silently vanish from the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date as Day
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

import msgspec
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
)

from concierge_common.contracts import store_api
from concierge_common.contracts.store_api import (
    HandoffState,
    HandoffTrigger,
    ProcessingType,
    Role,
    SessionStatus,
)

M = TypeVar("M", bound=BaseModel)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _never_null(*names: str) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` of a body whose ``names`` may be left out but never be null:
    its schema says so (no ``null`` among their types), as :func:`_not_null` checks."""

    def drop_null(schema: dict[str, Any]) -> None:
        for name in names:
            field = schema["properties"][name]
            types = [each for each in field.pop("anyOf", ()) if each.get("type") != "null"]
            field.update(types[0] if len(types) == 1 else {"anyOf": types})
            field.pop("default", None)

    return drop_null


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("may be omitted but not null")
    return value


# --- responses ----------------------------------------------------------------------------


class Problem(BaseModel):
    """An error (RFC 9457); ``errors`` lists the invalid fields of a 422."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


class SessionOut(BaseModel):
    id: UUID
    user_id: UUID
    service_id: UUID | None
    status: SessionStatus
    state: dict[str, Any]
    metadata: dict[str, Any]
    created_at: datetime
    last_activity_at: datetime
    expires_at: datetime


class UserOut(BaseModel):
    id: UUID
    name: str
    is_active: bool
    whatsapp_ids: list[str]
    created_at: datetime
    updated_at: datetime


class ErasureReportOut(BaseModel):
    """What a privacy erasure removed, and where, as counts.

    ``rows``: database rows per table; ``media_files``: files deleted from the media
    storage; ``streams``: bus messages per stream (``chat``, ``dlq``); ``buckets``:
    entries per key-value bucket (``wa_lids``, ``sent_replies``); ``redis_keys``.
    """

    user_id: UUID
    rows: dict[str, int]
    media_files: int
    streams: dict[str, int] = {}
    buckets: dict[str, int] = {}
    redis_keys: int = 0


class ServiceOut(BaseModel):
    id: UUID
    name: str
    description: str
    trigger_keywords: list[str]
    processing_type: ProcessingType
    required_role: Role | None
    is_active: bool
    display_order: int
    created_at: datetime
    updated_at: datetime


class ContextOut(BaseModel):
    id: UUID
    service_id: UUID
    system_prompt: str
    prompts: dict[str, str]
    version: int
    created_at: datetime


class InfoOut(BaseModel):
    id: UUID
    service_id: UUID
    title: str
    content: str
    valid_from: datetime | None
    valid_to: datetime | None
    created_at: datetime
    updated_at: datetime


class RoleOut(BaseModel):
    id: UUID
    user_id: UUID | None
    service_id: UUID
    role: Role
    has_intrinsic_id: bool
    created_at: datetime


class FamilySessionOut(BaseModel):
    """One dated session: ``date`` (YYYY-MM-DD), and its own hours and place if given."""

    # Read from the store's nested msgspec structs as they are (``to_api`` is shallow).
    model_config = ConfigDict(from_attributes=True)

    date: str
    time: str | None = None
    end: str | None = None
    place: str | None = None


class FamilyChildOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    first_name: str
    last_name: str = ""
    group: str = ""
    catechist: str = ""
    schedule: str = ""
    next_sessions: list[FamilySessionOut] = []


class FamilyOut(BaseModel):
    """A family's record and the state of its parent code (never the code itself)."""

    id: UUID
    service_id: UUID
    name: str
    parents: list[str]
    children: list[FamilyChildOut]
    has_code: bool
    code_issued_at: datetime | None
    verified_parents: int = Field(description="People who proved the current code")
    import_source: str | None = Field(description="The information source it is synced from")
    created_at: datetime
    updated_at: datetime


class IssuedCodeOut(BaseModel):
    """A new parent code, in clear: shown this once (the store keeps only a keyed hash)."""

    family_id: UUID
    code: str = Field(examples=["K7PM-3QX9-HT4C"])
    issued_at: datetime
    revoked_roles: int = Field(
        description="Role rows of the family's earlier code removed (provisioned and proved)"
    )


class HandoffOut(BaseModel):
    """A handoff: a human owns the conversation while it is open (requested, assigned, active).

    ``chat_id`` is the person's WhatsApp id (their phone number, for ``@c.us``):
    staff may need it to call back; it is never logged.
    """

    id: UUID
    reference: str = Field(description="Short, for staff: quoted in the staff chat")
    conversation_id: str
    user_id: UUID
    session_id: UUID | None
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
    opened_by_message: str | None = Field(
        default=None, description="The bus id of the message whose turn opened it, if any"
    )


class HandoffEventOut(BaseModel):
    """One line of a handoff's audit trail."""

    at: datetime
    from_state: HandoffState | None
    to_state: HandoffState
    actor: str
    note: str


class HandoffDetailOut(BaseModel):
    """A handoff and its audit trail, oldest event first."""

    handoff: HandoffOut
    events: list[HandoffEventOut]


class ReplicasOut(BaseModel):
    """Replicas of a service with a fresh heartbeat, and how many of them are ready."""

    reporting: int
    ready: int


class HealthOut(BaseModel):
    """``ok`` when every component is up; ``down`` names the others."""

    status: Literal["ok", "unavailable"]
    components: dict[str, Literal["up", "down"]]
    down: list[str]
    replicas: dict[str, ReplicasOut]


class ReplyOut(BaseModel):
    """One text the person would have read, and who wrote it."""

    text: str
    origin: str = Field(
        description="ai, router, handoff (a handoff notice) or staff (a human's answer)"
    )


class OrchestrateOut(BaseModel):
    """The replies to one message, in order; ``handed_off`` when a human takes over."""

    conversation_id: str
    replies: list[ReplyOut]
    handed_off: bool


def to_api(model: type[M], view: msgspec.Struct) -> M:
    """A store result as the API's model (the store's extra fields are dropped)."""
    fields = set(model.model_fields)
    values = {k: v for k, v in msgspec.structs.asdict(view).items() if k in fields}
    return model.model_validate(values)


def all_to_api(model: type[M], views: list[Any]) -> list[M]:
    return [to_api(model, view) for view in views]


# --- requests -----------------------------------------------------------------------------


class SessionUpdateIn(_Body):
    """Fields left out are kept; ``state`` and ``metadata`` replace the whole object."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=_never_null("status", "service_id", "state", "metadata")
    )

    status: SessionStatus | None = None
    service_id: UUID | None = None
    state: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None

    _present = field_validator("status", "service_id", "state", "metadata")(_not_null)

    def to_store(self, session_id: UUID) -> store_api.SessionUpdate:
        return store_api.SessionUpdate(
            id=str(session_id),
            status=self.status,
            service_id=_str_or_none(self.service_id),
            state=self.state,
            metadata=self.metadata,
        )


_Name = Field(min_length=1, max_length=64, description="Upper case, e.g. RENSEIGNEMENT")


class ServiceIn(_Body):
    name: str = _Name
    description: str = Field("", max_length=2000)
    trigger_keywords: list[str] = Field(default_factory=list, max_length=100)
    processing_type: ProcessingType = "ai"
    required_role: Role | None = None
    is_active: StrictBool = True
    display_order: StrictInt = 0  # never `true`: the schema says integer

    def to_store(self) -> store_api.ServiceWrite:
        return store_api.ServiceWrite(**self.model_dump())


_SERVICE_FIELDS = (
    "name",
    "description",
    "trigger_keywords",
    "processing_type",
    "is_active",
    "display_order",
)


class ServicePatch(_Body):
    """``required_role: null`` clears it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_never_null(
            "name",
            "description",
            "trigger_keywords",
            "processing_type",
            "is_active",
            "display_order",
        ),
    )

    name: str | None = Field(None, min_length=1, max_length=64)
    description: str | None = Field(None, max_length=2000)
    trigger_keywords: list[str] | None = Field(None, max_length=100)
    processing_type: ProcessingType | None = None
    required_role: Role | None = None
    is_active: StrictBool | None = None
    display_order: StrictInt | None = None

    _present = field_validator(
        "name", "description", "trigger_keywords", "processing_type", "is_active", "display_order"
    )(_not_null)

    def to_store(self, service_id: UUID) -> store_api.ServiceUpdate:
        values = self.model_dump(exclude_unset=True)
        clear_role = "required_role" in values and values["required_role"] is None
        return store_api.ServiceUpdate(id=str(service_id), clear_required_role=clear_role, **values)


class ContextIn(_Body):
    """A new version of a service's prompts."""

    system_prompt: str = Field(min_length=1, max_length=50_000)
    prompts: dict[str, str] = Field(default_factory=dict)

    def to_store(self, service_id: UUID) -> store_api.ContextWrite:
        return store_api.ContextWrite(service_id=str(service_id), **self.model_dump())


class InfoIn(_Body):
    """A fact, valid in ``[valid_from, valid_to)``; a missing bound is unbounded."""

    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=20_000)
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None

    def to_store(self, service_id: UUID) -> store_api.InfoWrite:
        return store_api.InfoWrite(service_id=str(service_id), **self.model_dump())


class InfoPatch(_Body):
    """``valid_from: null`` / ``valid_to: null`` make that bound unbounded."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_never_null("title", "content"))

    title: str | None = Field(None, min_length=1, max_length=200)
    content: str | None = Field(None, min_length=1, max_length=20_000)
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None

    _present = field_validator("title", "content")(_not_null)

    def to_store(self, info_id: UUID) -> store_api.InfoUpdate:
        values = self.model_dump(exclude_unset=True)
        return store_api.InfoUpdate(
            id=str(info_id),
            clear_valid_from="valid_from" in values and values["valid_from"] is None,
            clear_valid_to="valid_to" in values and values["valid_to"] is None,
            **values,
        )


class RoleIn(_Body):
    """A role of the user in a service; ``intrinsic_id`` (a parent code) is stored hashed."""

    service_id: UUID
    role: Role
    intrinsic_id: str | None = Field(None, min_length=1, max_length=200)

    def to_store(self, user_id: UUID) -> store_api.RoleWrite:
        return store_api.RoleWrite(
            user_id=str(user_id),
            service_id=str(self.service_id),
            role=self.role,
            intrinsic_id=self.intrinsic_id,
        )


_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
_Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
# A name must hold more than white space (the schema says so too: a client generating
# valid requests from it never sends one the API would refuse once stripped).
_NON_BLANK = r"\S"
_PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_NON_BLANK)
]


class FamilySessionIn(_Body):
    date: Day
    time: str | None = Field(None, pattern=_TIME_PATTERN, examples=["10:30"])
    end: str | None = Field(None, pattern=_TIME_PATTERN, examples=["11:45"])
    place: _Text | None = None

    def to_store(self) -> store_api.FamilySession:
        return store_api.FamilySession(
            date=self.date.isoformat(), time=self.time, end=self.end, place=self.place or None
        )


class FamilyChildIn(_Body):
    first_name: _PersonName
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    group: _Text = ""
    catechist: _Text = ""
    schedule: _Text = Field("", description="The usual days, hours and room, in words")
    next_sessions: list[FamilySessionIn] = Field(default_factory=list, max_length=200)

    def to_store(self) -> store_api.FamilyChild:
        return store_api.FamilyChild(
            first_name=self.first_name,
            last_name=self.last_name,
            group=self.group,
            catechist=self.catechist,
            schedule=self.schedule,
            next_sessions=[session.to_store() for session in self.next_sessions],
        )


class FamilyIn(_Body):
    """A family of a service (the catechism's): its name, parents and children."""

    name: _PersonName = Field(examples=["Famille Lefèvre"])
    parents: list[_PersonName] = Field(default_factory=list, max_length=10)
    children: list[FamilyChildIn] = Field(default_factory=list, max_length=20)

    def to_store(self, service_id: UUID) -> store_api.FamilyWrite:
        return store_api.FamilyWrite(
            service_id=str(service_id),
            name=self.name,
            parents=list(self.parents),
            children=[child.to_store() for child in self.children],
        )


class FamilyPatch(_Body):
    """Fields left out are kept; ``parents`` and ``children`` replace the whole list."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=_never_null("name", "parents", "children")
    )

    name: _PersonName | None = None
    parents: list[_PersonName] | None = Field(None, max_length=10)
    children: list[FamilyChildIn] | None = Field(None, max_length=20)

    _present = field_validator("name", "parents", "children")(_not_null)

    def to_store(self, family_id: UUID) -> store_api.FamilyUpdate:
        children = self.children
        return store_api.FamilyUpdate(
            id=str(family_id),
            name=self.name,
            parents=None if self.parents is None else list(self.parents),
            children=None if children is None else [child.to_store() for child in children],
        )


# An opaque id of the caller's own (``web-8f3a``): it becomes the chat id ``<user>@api``.
USER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
_DIGITS_ONLY = re.compile(r"^\d{6,}$")


class OrchestrateIn(_Body):
    """A message of a person of another channel, answered through the WhatsApp pipeline."""

    user: str = Field(
        pattern=USER_PATTERN,
        description="The caller's opaque id of the person (letters, digits, `._:-`, at most"
        " 64), stable across their messages; never a phone number (6 or more digits alone: 422)",
        examples=["web-8f3a"],
    )
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096)]
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = Field(None, description="The person's display name, if the channel knows it")

    @field_validator("user")
    @classmethod
    def _not_a_phone_number(cls, value: str) -> str:
        if _DIGITS_ONLY.match(value):
            raise ValueError("user must be an opaque id, not a phone number")
        return value


class StaffReplyIn(_Body):
    """A staff answer, relayed to the person on WhatsApp."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096)]


def by_id(entity_id: UUID) -> store_api.ById:
    return store_api.ById(id=str(entity_id))


def _str_or_none(value: UUID | None) -> str | None:
    return None if value is None else str(value)
