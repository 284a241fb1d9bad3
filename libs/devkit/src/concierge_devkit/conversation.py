"""One person's chat with the concierge: webhooks to the gateway, replies from the stand-in."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from concierge_devkit import webhook
from concierge_devkit.errors import DevkitError
from concierge_devkit.waha_fake import Recorded

log = logging.getLogger(__name__)


# How the WAHA stand-in offers a received file: (name, bytes, mime type) -> its media.url.
OfferFile = Callable[[str, bytes, str], str]


@dataclass(frozen=True)
class Reply:
    """A text (or a file and its caption) the concierge sent through WAHA."""

    chat_id: str
    text: str
    file: str = ""  # "name (mime type, size)" of a file sent with sendFile

    @classmethod
    def of(cls, recorded: Recorded) -> Reply:
        body = recorded.body
        chat = str(body.get("chatId", ""))
        if recorded.endpoint != "sendFile":
            return cls(chat, str(body.get("text", "")))
        file = body.get("file")
        if not isinstance(file, dict):
            file = {}
        size = len(str(file.get("data", ""))) * 3 // 4  # base64
        described = f"{file.get('filename', '')} ({file.get('mimetype', '')}, ~{size} octets)"
        return cls(chat, str(body.get("caption", "")), described)


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
        offer_file: OfferFile | None = None,
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
        self._offer_file = offer_file

    def on_send(self, recorded: Recorded) -> None:
        """The WAHA stand-in's callback for every ``sendText`` and ``sendFile`` it accepts."""
        reply = Reply.of(recorded)
        if reply.chat_id == self.chat_id:
            self.answered += 1
        self.replies.put_nowait(reply)

    async def say(self, text: str) -> None:
        """POST ``text`` as a ``message`` event; raise unless the gateway accepted it."""
        await self._post(webhook.message_event(self.chat_id, text, session=self._session))
        self.sent += 1

    async def send_file(self, where: str, caption: str = "") -> None:
        """POST a message with the file at ``where`` (served by the WAHA stand-in) and a caption."""
        if self._offer_file is None:
            raise DevkitError("files need the WAHA stand-in of this runner")
        path, data = await asyncio.to_thread(_read_file, where)
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix.lower() in (".ogg", ".oga", ".opus"):
            mimetype = "audio/ogg; codecs=opus"  # how WhatsApp voice notes arrive
        event = webhook.message_event(self.chat_id, caption, session=self._session)
        name = f"{event['payload']['id']}{path.suffix.lower()}"
        url = self._offer_file(name, data, mimetype)
        await self._post(
            webhook.media_event(
                self.chat_id, caption, url=url, mimetype=mimetype, filename=path.name,
                session=self._session,
            )
        )  # fmt: skip
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


def _read_file(where: str) -> tuple[Path, bytes]:
    path = Path(where).expanduser()
    try:
        return path, path.read_bytes()
    except OSError as exc:
        raise DevkitError(f"cannot read {where}: {exc.strerror}") from exc
