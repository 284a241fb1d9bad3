"""The handler of the ``handoff`` flow: each message type to its own handler."""

from __future__ import annotations

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import (
    BusMessage,
    HandoffRequested,
    RelayToStaff,
    StaffMessageReceived,
)
from concierge_common.errors import InvalidMessage
from handoff.alerts import Alerts
from handoff.relay import Relay
from handoff.staff_chat import StaffChat

ACCEPTS: tuple[type[BusMessage], ...] = (HandoffRequested, RelayToStaff, StaffMessageReceived)


class HandoffFlow:
    """Dispatches ``handoff`` deliveries; anything else cannot travel on this flow."""

    def __init__(self, alerts: Alerts, relay: Relay, staff_chat: StaffChat) -> None:
        self._alerts = alerts
        self._relay = relay
        self._staff_chat = staff_chat

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if isinstance(message, HandoffRequested):
            await self._alerts(message)
        elif isinstance(message, RelayToStaff):
            await self._relay(message)
        elif isinstance(message, StaffMessageReceived):
            await self._staff_chat(message)
        else:
            raise InvalidMessage(f"handoff flow cannot carry {type(message).__name__}")
