"""One person's chat with the concierge: webhooks to the gateway, replies from the stand-in."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx

from concierge_devkit import webhook
from concierge_devkit.errors import DevkitError
from concierge_devkit.waha_fake import Recorded

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """A text the concierge sent through WAHA."""

    chat_id: str
    text: str


class Conversation:
    """Sends the person's lines as signed WAHA webhooks; queues what WAHA is asked to send."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        webhook_url: str,
        hmac_key: str,
        chat_id: str,
        staff_chat_id: str = "",
        session: str = "default",
    ) -> None:
        self.chat_id = chat_id
        self.staff_chat_id = staff_chat_id
        self.replies: asyncio.Queue[Reply] = asyncio.Queue()
        self.sent = 0
        self.answered = 0
        self._http = http
        self._url = webhook_url
        self._key = hmac_key
        self._session = session

    def on_send(self, recorded: Recorded) -> None:
        """The WAHA stand-in's callback for every ``sendText`` it accepts."""
        body = recorded.body
        reply = Reply(str(body.get("chatId", "")), str(body.get("text", "")))
        if reply.chat_id == self.chat_id:
            self.answered += 1
        self.replies.put_nowait(reply)

    async def say(self, text: str) -> None:
        """POST ``text`` as a ``message`` event; raise unless the gateway accepted it."""
        await self._post(webhook.message_event(self.chat_id, text, session=self._session))
        self.sent += 1

    async def say_as_staff(self, text: str) -> None:
        """POST ``text`` as written in the staff chat (replies and commands for the desk)."""
        if not self.staff_chat_id:
            raise DevkitError("no staff chat: start with --staff-chat-id")
        await self._post(webhook.message_event(self.staff_chat_id, text, session=self._session))

    async def answer_from_phone(self, text: str) -> None:
        """POST ``text`` as typed to the person on the parish's phone (a human takes over)."""
        await self._post(webhook.phone_reply_event(self.chat_id, text, session=self._session))

    async def _post(self, event: dict[str, object]) -> None:
        body = webhook.encode(event)
        try:
            response = await self._http.post(
                self._url, content=body, headers=webhook.headers(self._key, body)
            )
        except httpx.HTTPError as exc:
            raise DevkitError(f"the gateway does not answer at {self._url}: {exc!r}") from exc
        if response.status_code != 200:
            raise DevkitError(f"the gateway answered {response.status_code}: {response.text[:300]}")
        status = response.json().get("status")
        if status != "accepted":
            raise DevkitError(f"the gateway did not accept the message: {response.text[:300]}")

    async def settle(self, timeout: float) -> None:
        """Wait until every line sent got an answer, at most ``timeout`` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.answered < self.sent and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)

    async def next_reply(self, timeout: float) -> Reply | None:
        """The next reply to anyone, or ``None`` after ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self.replies.get(), timeout)
        except TimeoutError:
            return None
