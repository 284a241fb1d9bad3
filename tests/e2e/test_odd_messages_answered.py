"""Every message a person could really send gets an answer, however odd its text.

The webhook fuzzer (tests/security/test_security_webhook_fuzz.py) shows the gateway
accepts and publishes these texts whole; here the whole concierge answers each one:
right-to-left scripts, emoji sequences, combining marks, control characters, a text
that is only a mark or a space, and the longest message WhatsApp allows.
"""

from __future__ import annotations

import pytest

from support.conversation import Conversation
from support.odd_texts import PERSON_TEXTS
from support.settling import settled
from support.stack import running_stack

# Texts that are nothing but invisible or spacing characters: a person can send them.
BARELY_THERE = {
    "only a direction mark": "\u200f",
    "only a no-break space": "\u00a0",
    "only a zero-width joiner": "\u200d",
}


async def test_each_odd_but_real_message_is_answered(env: dict[str, str]) -> None:
    texts = {**PERSON_TEXTS, **BARELY_THERE}
    async with running_stack(env) as stack:
        people = {
            name: Conversation(stack, f"336100009{number:02d}@c.us")
            for number, name in enumerate(texts)
        }
        for name, person in people.items():
            await person.send(texts[name])
        for person in people.values():
            await person.expect(1)
        await settled(stack)
        received = {name: person.received() for name, person in people.items()}
    for name, texts_read in received.items():
        # An answer, or an apology then the hand-off to a human (ai found nothing sure).
        handed_off = len(texts_read) == 2 and "Je transmets votre demande" in texts_read[1]
        assert len(texts_read) == 1 or handed_off, (name, texts_read)


@pytest.fixture
def env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "ROUTER_BURST_WINDOW_SECONDS": "0"}
