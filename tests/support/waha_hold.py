"""A WAHA stand-in whose sends can be held: WAHA got the request, the test says when it answers.

This is what a slow phone session looks like from the gateway: WAHA accepted
the ``sendText`` and answers only later, after the gateway's client gave up.
A :class:`Hold` is either

* ``stored_first``: WAHA sent the message (it is recorded and in the chat's
  history at once) and only its answer is late; or
* not: WAHA is still sending it. The message is recorded and enters the history
  only when the test releases the hold, so a lookup meanwhile finds nothing.

Every hold must be released before the stand-in stops (:meth:`HoldingWaha.release_all`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from fastapi import Request, Response

from concierge_devkit.waha_fake import WahaFake


@dataclass
class Hold:
    """One held send; the test waits for ``arrived`` or ``answered`` and calls :meth:`release`."""

    endpoint: str
    stored_first: bool
    let_through: int  # requests of ``endpoint`` answered normally before this one is held
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


@dataclass
class HoldingWaha(WahaFake):
    """The WAHA stand-in, whose next send of an endpoint can be held."""

    holds: list[Hold] = field(default_factory=list)

    def hold_next(
        self, endpoint: str = "sendText", *, stored_first: bool = True, let_through: int = 0
    ) -> Hold:
        """Hold the next ``endpoint`` request (after ``let_through`` others)."""
        hold = Hold(endpoint, stored_first, let_through)
        self.holds.append(hold)
        return hold

    def release_all(self) -> None:
        for hold in self.holds:
            hold.release()

    async def _send(self, name: str, request: Request) -> Response:
        hold = self._take(name)
        if hold is None:
            return await super()._send(name, request)
        await request.body()  # read now: the client may be gone when the hold ends
        hold.arrived.set()
        try:
            if hold.stored_first:
                response = await super()._send(name, request)
                await hold.released.wait()
                return response
            await hold.released.wait()
            return await super()._send(name, request)
        finally:
            hold.answered.set()

    def _take(self, name: str) -> Hold | None:
        for hold in self.holds:
            if hold.endpoint != name or hold.arrived.is_set():
                continue
            if hold.let_through > 0:
                hold.let_through -= 1
                return None
            return hold
        return None
