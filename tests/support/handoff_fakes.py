"""In-memory stand-ins for the handoff service's unit tests (no tests here).

``FakeHandoffStore`` keeps the store's handoff rules that the service relies
on (transitions and ``expected`` states are 409, unknown ids 404, the first
staff touch makes a handoff active, a notice is recorded once);
``RecordingPublisher`` keeps what was published, by flow.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import msgspec

from concierge_common import ids
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    BusMessage,
    HandoffRequested,
    MediaRef,
    MessageReceived,
    RelayToStaff,
    SendReply,
    StaffMessageReceived,
)
from concierge_common.errors import Conflict, NotFound, RetryableError
from handoff import business_hours
from handoff.alerts import Alerts
from handoff.desk import Desk
from handoff.outbox import Outbox
from handoff.prompts import PersonTexts
from handoff.relay import Relay
from handoff.staff_chat import StaffChat
from handoff.sweeper import Sweeper

KEY = "unit-conversation-key"
SESSION = "default"
STAFF_CHAT = "120363000000000001@g.us"
PERSON_CHAT = "33612345678@c.us"
STAFF_CONVERSATION = ids.conversation_id(KEY, SESSION, STAFF_CHAT)
PERSON_CONVERSATION = ids.conversation_id(KEY, SESSION, PERSON_CHAT)
# A Tuesday, 10:00 in Paris (office open).
OPEN_TIME = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
# A Sunday, 15:00 in Paris (office closed).
CLOSED_TIME = datetime(2026, 11, 8, 14, 0, tzinfo=UTC)
_references = itertools.count(1000)


class FakeClock:
    def __init__(self, now: datetime = OPEN_TIME) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeHandoffStore:
    clock: FakeClock
    handoffs: dict[str, api.HandoffView] = field(default_factory=dict)
    history: dict[str, list[api.HandoffEventView]] = field(default_factory=dict)
    prompt_table: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    failing: dict[str, Exception] = field(default_factory=dict)

    def open(
        self,
        *,
        reason: str = "person_asked",
        summary: str = "Je voudrais parler au père Martin",
        assigned_to: str | None = None,
        conversation_id: str = PERSON_CONVERSATION,
    ) -> api.HandoffView:
        now = self.clock()
        view = api.HandoffView(
            id=str(uuid.uuid4()),
            reference=f"H{next(_references)}",
            conversation_id=conversation_id,
            user_id=str(uuid.uuid4()),
            session_id=str(uuid.uuid4()),
            wa_session=SESSION,
            chat_id=PERSON_CHAT,
            state="active" if assigned_to else "requested",
            reason=reason,
            requested_by="person",
            summary=summary,
            assigned_to=assigned_to,
            created_at=now,
            updated_at=now,
            first_staff_reply_at=None,
            last_person_at=None,
            last_staff_at=None,
            notice_sent_at=None,
            ended_at=None,
            created=True,
        )
        self.handoffs[view.id] = view
        self.history[view.id] = [api.HandoffEventView(now, None, view.state, "person", "")]
        return view

    def _enter(self, operation: str) -> None:
        self.calls.append(operation)
        if operation in self.failing:
            raise self.failing[operation]

    def _save(self, view: api.HandoffView, **changes: object) -> api.HandoffView:
        saved = msgspec.structs.replace(view, updated_at=self.clock(), created=False, **changes)
        self.handoffs[view.id] = saved
        return saved

    async def get(self, handoff_id: str) -> api.HandoffView:
        self._enter("get")
        try:
            return self.handoffs[handoff_id]
        except KeyError:
            raise NotFound(f"handoff {handoff_id} not found") from None

    async def open_for(self, conversation_id: str) -> api.HandoffView | None:
        self._enter("open_for")
        return next(
            (
                h
                for h in self.handoffs.values()
                if h.conversation_id == conversation_id and h.state in api.HANDOFF_OPEN_STATES
            ),
            None,
        )

    async def by_reference(self, reference: str) -> api.HandoffView:
        self._enter("by_reference")
        for handoff in self.handoffs.values():
            if handoff.reference == reference:
                return handoff
        raise NotFound(f"no handoff {reference}")

    async def list_handoffs(
        self, states: list[api.HandoffState] | None = None, limit: int = 100
    ) -> list[api.HandoffView]:
        self._enter("list")
        wanted: list[str] = list(states or api.HANDOFF_OPEN_STATES)
        found = [h for h in self.handoffs.values() if h.state in wanted]
        return sorted(found, key=lambda h: h.created_at)[:limit]

    async def move(self, move: api.HandoffMove) -> api.HandoffView:
        self._enter("move")
        handoff = await self.get(move.id)
        if move.expected is not None and handoff.state not in move.expected:
            raise Conflict(f"handoff is {handoff.state}")
        if move.to not in api.HANDOFF_TRANSITIONS[handoff.state]:
            raise Conflict(f"illegal transition {handoff.state} -> {move.to}")
        changes: dict[str, object] = {"state": move.to}
        if move.to in ("returned", "closed"):
            changes["ended_at"] = self.clock()
        if move.to == "assigned":
            changes["assigned_to"] = move.actor.partition(":")[2]
        self.history[move.id].append(
            api.HandoffEventView(self.clock(), handoff.state, move.to, move.actor, move.note)
        )
        return self._save(handoff, **changes)

    async def touch(self, touch: api.HandoffTouch) -> api.HandoffView:
        self._enter("touch")
        handoff = await self.get(touch.id)
        if handoff.state not in api.HANDOFF_OPEN_STATES:
            raise Conflict(f"handoff is {handoff.state}")
        now = self.clock()
        if touch.by == "person":
            return self._save(handoff, last_person_at=now)
        return self._save(
            handoff,
            last_staff_at=now,
            first_staff_reply_at=handoff.first_staff_reply_at or now,
            state="active",
            assigned_to=handoff.assigned_to or touch.staff,
        )

    async def notice(self, handoff_id: str) -> api.HandoffView:
        self._enter("notice")
        handoff = await self.get(handoff_id)
        if handoff.notice_sent_at is not None:
            raise Conflict("notice already sent")
        return self._save(handoff, notice_sent_at=self.clock())

    async def events(self, handoff_id: str) -> list[api.HandoffEventView]:
        self._enter("events")
        await self.get(handoff_id)
        return list(self.history[handoff_id])

    async def prompts(self, service_name: str) -> dict[str, str]:
        self._enter("prompts")
        return dict(self.prompt_table.get(service_name, {}))


@dataclass
class RecordingPublisher:
    published: list[tuple[str, BusMessage]] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)
    broken: RetryableError | None = None

    async def publish(self, flow: str, message: BusMessage) -> object:
        if self.broken is not None:
            raise self.broken
        if message.message_id in self.seen_ids:  # JetStream drops a duplicate id
            return None
        self.seen_ids.add(message.message_id)
        self.published.append((flow, message))
        return None

    def replies(self, flow: str | None = None) -> list[SendReply]:
        return [
            m for f, m in self.published if isinstance(m, SendReply) and (flow is None or f == flow)
        ]

    def to_person(self) -> list[SendReply]:
        return [r for r in self.replies("ai") if r.chat_id == PERSON_CHAT]

    def to_staff(self) -> list[SendReply]:
        return [r for r in self.replies("outbound") if r.chat_id == STAFF_CHAT]

    def clear(self) -> None:
        self.published.clear()


@dataclass
class Parts:
    """One handoff service assembled over the fakes."""

    clock: FakeClock
    store: FakeHandoffStore
    publisher: RecordingPublisher
    texts: PersonTexts
    outbox: Outbox
    desk: Desk
    alerts: Alerts
    relay: Relay
    staff_chat: StaffChat

    def sweeper(self, *, no_staff: float = 600, idle: float = 1800) -> Sweeper:
        return Sweeper(
            self.store,
            self.desk,
            self.outbox,
            self.texts,
            period_seconds=15,
            no_staff_seconds=no_staff,
            idle_seconds=idle,
            clock=self.clock,
        )


def assemble(*, staff_chat_id: str = STAFF_CHAT, now: datetime = OPEN_TIME) -> Parts:
    clock = FakeClock(now)
    store = FakeHandoffStore(clock)
    publisher = RecordingPublisher()
    hours = business_hours.parse(business_hours.DEFAULT_HOURS)
    texts = PersonTexts(store, hours, ttl_seconds=60)
    outbox = Outbox(publisher, staff_chat_id=staff_chat_id, conversation_key=KEY)
    desk = Desk(store, outbox, texts, clock=clock)
    return Parts(
        clock=clock,
        store=store,
        publisher=publisher,
        texts=texts,
        outbox=outbox,
        desk=desk,
        alerts=Alerts(store, outbox, texts, clock=clock),
        relay=Relay(store, desk, outbox, texts, clock=clock),
        staff_chat=StaffChat(store, desk, outbox, clock=clock),
    )


def person_message(
    text: str, *, kind: str = "text", push_name: str = "Marie", media: MediaRef | None = None
) -> MessageReceived:
    return MessageReceived(
        message_id=ids.new_id(),
        conversation_id=PERSON_CONVERSATION,
        correlation_id=ids.new_id(),
        session=SESSION,
        chat_id=PERSON_CHAT,
        sender_id=PERSON_CHAT,
        provider_message_id="false_" + ids.new_id(),
        kind=kind,
        text=text,
        push_name=push_name,
        media=media,
    )


def requested(handoff: api.HandoffView, *, push_name: str = "Marie") -> HandoffRequested:
    inbound = person_message(handoff.summary, push_name=push_name)
    return HandoffRequested(
        message_id=ids.derived_id("router-handoff", inbound.message_id),
        conversation_id=handoff.conversation_id,
        correlation_id=inbound.correlation_id,
        inbound=inbound,
        reason=handoff.reason,
        requested_by=handoff.requested_by,
        handoff_id=handoff.id,
        reference=handoff.reference,
        summary=handoff.summary,
    )


def relayed(
    text: str, *, cancel: bool = False, kind: str = "text", media: MediaRef | None = None
) -> RelayToStaff:
    inbound = person_message(text, kind=kind, media=media)
    return RelayToStaff(
        message_id=ids.derived_id("router-relay", inbound.message_id),
        conversation_id=inbound.conversation_id,
        correlation_id=inbound.correlation_id,
        inbound=inbound,
        cancel=cancel,
    )


def staff_says(text: str, *, push_name: str = "Paul", kind: str = "text") -> StaffMessageReceived:
    inbound = MessageReceived(
        message_id=ids.new_id(),
        conversation_id=STAFF_CONVERSATION,
        correlation_id=ids.new_id(),
        session=SESSION,
        chat_id=STAFF_CHAT,
        sender_id="33611111111@c.us",
        provider_message_id="false_" + ids.new_id(),
        kind=kind,
        text=text,
        push_name=push_name,
    )
    return StaffMessageReceived(
        message_id=ids.derived_id("router-desk", inbound.message_id),
        conversation_id=STAFF_CONVERSATION,
        correlation_id=inbound.correlation_id,
        inbound=inbound,
    )
