"""Driving whole conversations through the webhook: a person, the staff chat and the phone.

``Conversation`` posts WAHA webhook bodies to the running stack (the person's
messages, staff messages in the staff group, replies typed on the
organisation's phone) and reads what the WAHA fake was asked to send, per chat.
"""

from __future__ import annotations

import asyncio
import copy
import re
import uuid
from typing import Any

from support import fixtures
from support.polling import HANG_GUARD
from support.stack import Stack

STAFF_GROUP = "120363041111111111@g.us"
STAFF_MEMBER = "33688888888@c.us"
OWN_NUMBER = "33100000000@c.us"
REFERENCE = re.compile(r"\bH[A-Z0-9]{4}\b")


class Conversation:
    def __init__(self, stack: Stack, chat: str) -> None:
        self.stack = stack
        self.chat = chat

    async def send(self, text: str, *, sent_at: float | None = None) -> None:
        """The person writes ``text`` (at ``sent_at`` on their phone, WhatsApp's timestamp)."""
        body = fixtures.text_message(self.chat, text)
        if sent_at is not None:
            body["payload"]["timestamp"] = sent_at
        await self._post(body)

    async def staff(self, text: str) -> None:
        """A staff member writes ``text`` in the staff group."""
        body = fixtures.text_message(STAFF_GROUP, text)
        payload = body["payload"]
        payload["participant"] = STAFF_MEMBER
        payload["id"] = f"{payload['id']}_{STAFF_MEMBER}"
        payload["notifyName"] = "Anne"
        await self._post(body)

    async def phone(self, text: str) -> None:
        """Someone answers the person from the organisation's phone (not through the API)."""
        body = copy.deepcopy(fixtures.text_message(self.chat, text))
        body["event"] = "message.any"
        payload = body["payload"]
        payload.update(
            {
                "id": f"true_{self.chat}_{uuid.uuid4().hex.upper()}",
                "from": OWN_NUMBER,
                "to": self.chat,
                "fromMe": True,
                "source": "app",
            }
        )
        await self._post(body)

    def received(self) -> list[str]:
        """Every text sent to the person so far, in order."""
        return texts_to(self.stack, self.chat)

    def staff_received(self) -> list[str]:
        return texts_to(self.stack, STAFF_GROUP)

    async def expect(self, count: int, timeout: float = HANG_GUARD) -> list[str]:
        """Wait until the person got ``count`` texts in all; return them all."""
        await wait_for(lambda: len(self.received()) >= count, timeout, self.received)
        return self.received()

    async def expect_staff(self, count: int, timeout: float = HANG_GUARD) -> list[str]:
        await wait_for(lambda: len(self.staff_received()) >= count, timeout, self.staff_received)
        return self.staff_received()

    async def _post(self, body: dict[str, Any]) -> None:
        response = await self.stack.post(body)
        assert response.status_code == 200, response.text


def texts_to(stack: Stack, chat: str) -> list[str]:
    return [str(r.body["text"]) for r in stack.waha.sent_texts if r.body.get("chatId") == chat]


async def wait_for(condition: Any, timeout: float, show: Any) -> None:
    """Poll ``condition`` until true; ``timeout`` is a hang guard, ``show`` what came so far."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out; so far: {show()!r}")
        await asyncio.sleep(0.05)
