"""The messages of a Claude request: the conversation so far, then the turn.

The store gives the session's last messages (carried with the turn by the router,
else asked with ``interaction.list``): what the
person wrote is a ``user`` message, what they read (the assistant, a notice,
a staff answer) an ``assistant`` one. The Messages API wants them alternating,
starting and ending with ``user``, so:

- the turn's own messages, which the store may already hold, are taken off the
  end of the history (they are the last ``user`` message);
- consecutive messages of the same role are merged;
- the history keeps within ``max_chars``, dropping the oldest messages first
  (and an ``assistant`` message left first);
- the turn's texts are the last ``user`` message (merged with an unanswered
  question that precedes it).

What the person wrote is cut to :data:`TURN_CHARS` per message, with a note saying
what was left unread (:mod:`ai.reading`), then redacted (:mod:`ai.claude.redaction`)
and escaped like the facts, so it can never pass for a tag of the system prompt. The images the
person sent with the turn go first in the last ``user`` message, in the order
they were sent, before its text (:mod:`ai.claude.images`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from anthropic.types import (
    AssistantMessageParam,
    ImageBlockParam,
    MessageParam,
    TextBlockParam,
    UserMessageParam,
)

from ai.claude.prompt import escape
from ai.claude.redaction import redact
from ai.facts import Rpc
from ai.reading import cut_note
from concierge_common.contracts import store_api
from concierge_common.contracts.store_api import InteractionView
from concierge_common.errors import InvalidRequest, RetryableError

log = logging.getLogger(__name__)

Role = Literal["user", "assistant"]
TURN_CHARS = 4000  # a message longer than this is cut, with a note (a pasted document...)


class StoreHistory:
    """The last messages of a session, from the store's ``interaction.list``."""

    def __init__(self, rpc: Rpc, *, limit: int) -> None:
        self._rpc = rpc
        self._limit = limit

    async def recent(
        self, session_id: str, carried: list[InteractionView] | None = None
    ) -> list[InteractionView]:
        """Oldest first; empty without a session or while the store cannot tell.

        ``carried``: the history the router brought with the turn (from the store's
        ``session.open``), used instead of asking. The history helps Claude but a turn
        can be answered without it: a store that is down or refuses does not hold the
        person's answer back.
        """
        if not session_id or self._limit < 1:
            return []
        if carried is not None:
            return carried[-self._limit :]
        query = store_api.InteractionQuery(session_id=session_id, limit=self._limit)
        try:
            return await self._rpc.call(
                store_api.SERVICE, store_api.INTERACTION_LIST, query, list[InteractionView]
            )
        except (RetryableError, InvalidRequest) as exc:  # an outage of the store included
            log.warning("no conversation history for this turn (%s)", type(exc).__name__)
            return []


@dataclass(frozen=True)
class Said:
    role: Role
    text: str


def messages(
    history: Sequence[InteractionView],
    turn_texts: Sequence[str],
    *,
    max_chars: int,
    images: Sequence[ImageBlockParam] = (),
) -> list[MessageParam]:
    """The alternating messages to send: the bounded history, then the turn (with its images)."""
    earlier = _without_turn(list(history), turn_texts)
    said = _merged([_said(item) for item in earlier])
    kept = _within(said, max_chars)
    turn = Said("user", _user_text("\n".join(turn_texts)))
    final = [_param(item) for item in _merged([*kept, turn])]
    if images:
        final[-1] = _with_images(final[-1], images)
    return final


def _with_images(last: MessageParam, images: Sequence[ImageBlockParam]) -> UserMessageParam:
    text: TextBlockParam = {"type": "text", "text": str(last["content"])}
    return {"role": "user", "content": [*images, text]}


def _param(item: Said) -> MessageParam:
    if item.role == "user":
        user: UserMessageParam = {"role": "user", "content": item.text}
        return user
    assistant: AssistantMessageParam = {"role": "assistant", "content": item.text}
    return assistant


def _without_turn(
    history: list[InteractionView], turn_texts: Sequence[str]
) -> list[InteractionView]:
    texts = {text.strip() for text in turn_texts}
    while history and history[-1].direction == "in" and history[-1].text.strip() in texts:
        history.pop()
    return history


def _said(item: InteractionView) -> Said:
    if item.direction == "in":
        return Said("user", _user_text(item.text))
    return Said("assistant", escape(item.text.strip()))


def _user_text(text: str) -> str:
    """Cut first (redacting a whole 65,536-character message would be the slow part)."""
    return escape(redact(cut_note(text.strip(), TURN_CHARS)))


def _merged(said: list[Said]) -> list[Said]:
    merged: list[Said] = []
    for item in said:
        if not item.text:
            continue
        if merged and merged[-1].role == item.role:
            merged[-1] = Said(item.role, f"{merged[-1].text}\n{item.text}")
        else:
            merged.append(item)
    return merged


def _within(said: list[Said], max_chars: int) -> list[Said]:
    """The newest messages whose texts fit in ``max_chars``, starting with a ``user`` one."""
    kept: list[Said] = []
    used = 0
    for item in reversed(said):
        used += len(item.text)
        if used > max_chars:
            break
        kept.append(item)
    kept.reverse()
    while kept and kept[0].role != "user":
        kept.pop(0)
    return kept
