"""A WAHA stand-in that can hold the gateway's sends, to kill a gateway at a known point.

Killing an outbound gateway at a random moment may catch one of its sends
between its claim in the ledger and the request reaching WAHA: that reply is
then in doubt for good, and by design (:mod:`gateway.send_check`) it is never
sent again but dead-lettered to a human. A test about the bus wants every
killed send to have reached WAHA, so that the next owner finds it there and
does not send it again. The gate makes that moment observable:

* :meth:`GatedWaha.hold_answers`: a ``sendText`` is stored at once (WAHA sent
  the message, it is in the chat's history and recorded) but answered only
  when the gate opens, so the gateway's handler stays in the call;
* :meth:`GatedWaha.hold_new_ids`: ``new-message-id`` is answered only when the
  gate opens. A send asks for its id before it claims (gateway.whatsapp_send),
  so no send can enter its claim-to-WAHA stretch any more;
* :meth:`GatedWaha.claims_underway`: ids handed out whose ``sendText`` has not
  arrived yet. Once new ids are held and this is 0, every send of every
  gateway is either waiting for an id (nothing claimed) or held at WAHA
  (stored): a ``kill -9`` now leaves no send in doubt that WAHA does not show.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from fastapi import Request, Response

from concierge_devkit.waha_fake import WahaFake


@dataclass
class GatedWaha(WahaFake):
    """The WAHA stand-in, whose answers to sends and to new ids can be held."""

    ids_given: int = 0
    _answers_open: asyncio.Event = field(default_factory=asyncio.Event)
    _ids_open: asyncio.Event = field(default_factory=asyncio.Event)
    _held: int = 0

    def __post_init__(self) -> None:
        self._answers_open.set()
        self._ids_open.set()

    @property
    def held(self) -> int:
        """Requests waiting for the gate now."""
        return self._held

    def hold_answers(self) -> None:
        self._answers_open.clear()

    def hold_new_ids(self) -> None:
        self._ids_open.clear()

    def open(self) -> None:
        self._answers_open.set()
        self._ids_open.set()

    def claims_underway(self) -> int:
        """Message ids handed out whose ``sendText`` has not reached WAHA (yet)."""
        return self.ids_given - len(self.sent_texts)

    async def _send(self, name: str, request: Request) -> Response:
        if name != "sendText" or self._answers_open.is_set():
            return await super()._send(name, request)
        response = await super()._send(name, request)  # stored (and recorded) first
        await self._wait(self._answers_open)
        return response

    async def _read(self, name: str, path: str, request: Request) -> Response:
        if name == "newMessageId":
            await self._wait(self._ids_open)
        response = await super()._read(name, path, request)
        if name == "newMessageId" and response.status_code == 200:
            self.ids_given += 1
        return response

    async def _wait(self, gate: asyncio.Event) -> None:
        if gate.is_set():
            return
        self._held += 1
        try:
            await gate.wait()
        finally:
            self._held -= 1
