"""Stand-ins for what the ai responder talks to: the bus publisher and the store's RPC."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    BusMessage,
    GenerateReply,
    MessageReceived,
    SendReply,
)
from concierge_common.errors import NotFound
from support.handoff_views import opened_view

T = TypeVar("T")
DELIVERY = Delivery(attempt=1, subject="chat.v1.ai.0.c1", stream_sequence=1)


def generate_turn(
    *texts: str, service: str = "RENSEIGNEMENT", family: dict[str, Any] | None = None
) -> GenerateReply:
    """A turn of one person's ``texts`` for ``service`` (the last text is the inbound's)."""
    inbound = MessageReceived(
        message_id="m1",
        conversation_id="c1",
        correlation_id="k1",
        session="default",
        chat_id="33600000001@c.us",
        sender_id="33600000001@c.us",
        provider_message_id="p1",
        text=texts[-1] if texts else "",
    )
    return GenerateReply(
        message_id="g1",
        conversation_id="c1",
        correlation_id="k1",
        inbound=inbound,
        service=service,
        texts=list(texts),
        family=family,
    )


class Published:
    """A publisher keeping every (flow, message) it was given, in order."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, BusMessage]] = []

    async def publish(self, flow: str, message: BusMessage) -> object:
        self.messages.append((flow, message))
        return None

    def replies(self) -> list[SendReply]:
        return [m for _, m in self.messages if isinstance(m, SendReply)]


class HandoffStore:
    """Answers handoff.open (the open handoff once there is one) and handoff.find, or
    fails the way it is told to."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.requests: list[api.HandoffOpen] = []
        self.failure = failure
        self.opened: api.HandoffView | None = None

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
        if self.failure is not None:
            raise self.failure
        if operation == api.HANDOFF_FIND:
            if self.opened is None:
                raise NotFound("no open handoff")
            view = self.opened
        else:
            assert operation == api.HANDOFF_OPEN
            assert isinstance(request, api.HandoffOpen)
            self.requests.append(request)
            if self.opened is None:
                self.opened = opened_view(request, opened_by_message=request.message_id or None)
                view = self.opened
            else:
                view = msgspec.structs.replace(self.opened, created=False)
        return msgspec.json.decode(msgspec.json.encode(view), type=result_type)


class NoStore(HandoffStore):
    """A store that must not be asked anything: no handoff expected."""

    def __init__(self) -> None:
        super().__init__(AssertionError("no handoff expected"))
