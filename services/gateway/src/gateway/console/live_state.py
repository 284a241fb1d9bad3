"""What a live console page shows, reduced to a digest that changes when it must be redrawn.

A page carries the digest of what it was rendered from (``since`` in its events URL):
the event stream compares its first read with it, so that a change landing between the
page's rendering and the stream's start (a reply recorded a moment after the page that
announced it was drawn) is sent, not taken for the starting point and lost. Each
``changed`` event carries the new digest as its id, which the browser sends back as
``Last-Event-ID`` when it reconnects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from concierge_common.contracts.store_api import HandoffView, InteractionView


def queue_digest(handoffs: Sequence[HandoffView]) -> str:
    """The queue as its page shows it."""
    return _digest(
        tuple(
            (h.id, h.state, h.assigned_to, h.updated_at, h.last_person_at, h.last_staff_at)
            for h in handoffs
        )
    )


def conversation_digest(handoff: HandoffView, messages: Sequence[InteractionView]) -> str:
    """A handoff's state and transcript (texts and files) as its page shows them."""
    lines = tuple((m.direction, m.origin, m.created_at, m.text, m.file) for m in messages)
    return _digest((handoff.state, handoff.updated_at, lines))


def _digest(value: object) -> str:
    # ``repr`` of tuples of strings, datetimes and frozen structs is stable within a process
    # and across replicas of one version, which is all a page's lifetime needs.
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]
