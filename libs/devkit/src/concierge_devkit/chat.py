"""The terminal chat: interactive (a prompt) or scripted (send lines, print what each brings)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from concierge_devkit.console import PROMPT, LineReader, show
from concierge_devkit.conversation import Conversation, Reply
from concierge_devkit.errors import DevkitError
from concierge_devkit.settling import Barrier

QUIT_COMMANDS = frozenset({"/quit", "/exit", "/q"})
HELP = (
    "Type a message as the person. Also: /staff <text> writes in the staff chat "
    '(e.g. "/staff H7K2P Bonjour" answers a handoff, "/staff H7K2P fin" returns it, '
    '"/staff liste"); /phone <text> answers the person from the parish\'s phone '
    "(a human takes over); /file <path> [caption] sends a file as the person (a photo, a "
    "voice note .ogg, a PDF...); /help; /quit."
)
SETTLE_SECONDS = 15.0  # at end of input, how long to wait for answers still due


def format_reply(reply: Reply, person: str, staff: str = "") -> str:
    text = f"[fichier {reply.file}] {reply.text}".rstrip() if reply.file else reply.text
    if reply.chat_id == person:
        return f"concierge> {text}"
    if staff and reply.chat_id == staff:
        return f"concierge (to staff)> {text}"
    return f"concierge (to {reply.chat_id})> {text}"


async def _print_replies(
    conversation: Conversation, reader: LineReader, out: TextIO, tty: bool
) -> None:
    while True:
        reply = await conversation.replies.get()
        redraw = reader.prompt if tty and reader.prompting else ""
        text = format_reply(reply, conversation.chat_id, conversation.staff_chat_id)
        show(text, out=out, redraw_prompt=redraw)


async def _read_and_send(conversation: Conversation, reader: LineReader, out: TextIO) -> bool:
    """Send each line typed; True when input ended (Ctrl-D), False on ``/quit``."""
    while (line := await reader.read()) is not None:
        text = line.strip()
        if text in QUIT_COMMANDS:
            return False
        if text == "/help":
            show(HELP, out=out)
        elif text:
            try:
                await send_line(conversation, text)
            except DevkitError as exc:
                show(f"(not sent: {exc})", out=out)
    return True


async def send_line(conversation: Conversation, line: str) -> None:
    """Send what was typed: as the person, or as staff (``/staff``), or the phone (``/phone``)."""
    command, _, rest = line.partition(" ")
    if command == "/staff" and rest.strip():
        await conversation.say_as_staff(rest.strip())
    elif command == "/phone" and rest.strip():
        await conversation.answer_from_phone(rest.strip())
    elif command == "/file" and rest.strip():
        path, _, caption = rest.strip().partition(" ")
        await conversation.send_file(path, caption.strip())
    else:
        await conversation.say(line)


async def interactive(conversation: Conversation, out: TextIO = sys.stdout) -> int:
    """Prompt for lines until ``/quit`` or end of input; print replies as they come."""
    tty = sys.stdin.isatty() and out.isatty()
    show(f"Chatting as {conversation.chat_id}. {HELP}", out=out)
    reader = LineReader()
    reader.start()
    printer = asyncio.create_task(_print_replies(conversation, reader, out, tty))
    try:
        if await _read_and_send(conversation, reader, out):
            if tty:
                show("", out=out)  # end the prompt line left by Ctrl-D
            await conversation.settle(SETTLE_SECONDS)
            await asyncio.sleep(0.2)  # let the printer show the last replies
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
    return 0


@dataclass(frozen=True)
class ScriptTiming:
    """When a scripted line is over: once the services settled, or after some quiet."""

    answer_timeout: float  # the most a line waits, from sending it to its last reply
    quiet_seconds: float  # after a reply, no other for this long: the line is done
    # With the services' bus at hand (concierge run): the line is over once they have
    # handled everything it caused (concierge_devkit.settling), not after some quiet.
    settled: Barrier | None = None


def _print_reply(conversation: Conversation, reply: Reply, out: TextIO, to: frozenset[str]) -> bool:
    """Print ``reply``; True when it went to one of the chats of ``to``."""
    show(format_reply(reply, conversation.chat_id, conversation.staff_chat_id), out=out)
    return reply.chat_id in to


async def _replies_once_settled(
    conversation: Conversation, settled: Barrier, out: TextIO, *, to: frozenset[str]
) -> bool:
    """Wait until the services handled everything, then print every reply that came."""
    await settled()
    answered = not to
    while not conversation.replies.empty():
        reply = conversation.replies.get_nowait()
        answered = _print_reply(conversation, reply, out, to) or answered
    return answered


async def _replies_after_quiet(
    conversation: Conversation, timing: ScriptTiming, out: TextIO, *, to: frozenset[str]
) -> bool:
    """Print every reply until the chat is quiet; True when one reached ``to`` (or none is due).

    Until a reply reaches a chat of ``to``, the line waits up to ``answer_timeout``;
    after it (at once when ``to`` is empty), until ``quiet_seconds`` pass without
    any reply to anyone, within the same cap. So an answer that follows another (a
    kept question answered once the parent code is accepted) is printed under the
    line that caused it.
    """
    loop = asyncio.get_running_loop()
    cap = loop.time() + timing.answer_timeout
    answered = not to
    while (left := cap - loop.time()) > 0:
        reply = await conversation.next_reply(min(timing.quiet_seconds, left) if answered else left)
        if reply is None:
            break
        answered = _print_reply(conversation, reply, out, to) or answered
    return answered


async def _replies_to_line(
    conversation: Conversation, timing: ScriptTiming, out: TextIO, *, to: frozenset[str]
) -> bool:
    """Print every reply ``line`` brought; True when one reached ``to`` (or none is due)."""
    if timing.settled is not None:
        return await _replies_once_settled(conversation, timing.settled, out, to=to)
    return await _replies_after_quiet(conversation, timing, out, to=to)


def _answer_due_to(conversation: Conversation, line: str) -> frozenset[str]:
    """Who must be answered for ``line`` to count as answered (nobody after ``/phone``)."""
    command, _, rest = line.partition(" ")
    if command == "/phone" and rest.strip():
        return frozenset()
    if command == "/staff" and rest.strip():
        return frozenset({conversation.chat_id, conversation.staff_chat_id})
    return frozenset({conversation.chat_id})


def _no_answer(timing: ScriptTiming) -> str:
    if timing.settled is not None:
        return "(no answer: the concierge handled the line without answering it)"
    return f"(no answer within {timing.answer_timeout:g} s)"


async def scripted(
    conversation: Conversation,
    lines: Sequence[str],
    timing: ScriptTiming,
    out: TextIO = sys.stdout,
) -> int:
    """Send each line once the replies to the previous one are over; 0 when each got one.

    A person's line needs an answer to the person, a ``/staff`` line an answer to
    anyone (the person or the staff chat), a ``/phone`` line none. Stops with 1 at
    the first line left without its answer.
    """
    for line in lines:
        show(PROMPT + line, out=out)
        await send_line(conversation, line)
        to = _answer_due_to(conversation, line)
        if not await _replies_to_line(conversation, timing, out, to=to):
            show(_no_answer(timing), out=out)
            return 1
    return 0
