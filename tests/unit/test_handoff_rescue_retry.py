"""A retried rescue whose first ``handoff.open`` landed in the store still requests the alert.

The store opened the error handoff on the first attempt but its reply was
lost; the retry's ``handoff.open`` returns that handoff (``created`` False).
It is the rescue's own (it was opened for this failure), so the usual
``HandoffRequested`` goes out (staff alert, the person told) rather than the
"human already owns it" incident note.
"""

from __future__ import annotations

import msgspec

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    HandoffRequested,
    ProcessingFailed,
    SendReply,
    encode,
)
from handoff.outbox import Outbox
from handoff.rescue import Rescue
from support.handoff_views import opened_view
from support.router_fakes import RecordingPublisher, inbound

STAFF = "120363000000000000@g.us"


class OpenedBefore:
    """A store where the conversation's handoff is already open, opened by ``opened_by``."""

    def __init__(self, opened_by: str | None) -> None:
        self.opened_by = opened_by
        self.opened: list[api.HandoffOpen] = []

    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView:
        self.opened.append(request)
        return opened_view(
            request, id="h1", reference="HAB12", created=False, opened_by_message=self.opened_by
        )

    async def user_of(self, whatsapp_id: str, *, written_at: float = 0.0) -> str:
        return "user-1"


def _failed() -> ProcessingFailed:
    return ProcessingFailed(
        message_id="f1", conversation_id="conv", correlation_id="c", service="router",
        flow="inbound", error_type="PermanentError",
        original=msgspec.Raw(encode(inbound("horaires ?"))),
    )  # fmt: skip


async def _rescue(store: OpenedBefore, attempt: int) -> RecordingPublisher:
    bus = RecordingPublisher()
    rescue = Rescue(store, Outbox(bus, staff_chat_id=STAFF, conversation_key="k"), bus)
    delivery = Delivery(attempt=attempt, subject="chat.v1.failed.0.conv", stream_sequence=1)
    await rescue(_failed(), delivery)
    return bus


async def test_the_rescue_gives_the_failure_id_as_the_opening_message() -> None:
    store = OpenedBefore(opened_by=None)
    await _rescue(store, attempt=1)
    assert [o.message_id for o in store.opened] == ["f1"]


async def test_a_retry_of_the_rescue_that_opened_the_handoff_requests_the_alert() -> None:
    bus = await _rescue(OpenedBefore(opened_by="f1"), attempt=2)
    [request] = bus.of(HandoffRequested)
    assert (request.handoff_id, request.reference, request.requested_by) == ("h1", "HAB12", "error")
    assert bus.of(SendReply) == []


async def test_a_handoff_opened_by_something_else_gets_the_incident_note() -> None:
    bus = await _rescue(OpenedBefore(opened_by="router-message"), attempt=2)
    assert bus.of(HandoffRequested) == []
    [note] = bus.of(SendReply)
    assert note.chat_id == STAFF
    assert "[HAB12] Incident technique" in note.text
