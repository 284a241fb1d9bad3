"""How far apart a person sent two of their messages, read on their own clock.

WhatsApp stamps each message with the time the person sent it (``sent_at``).
The phone's clock may be off from ours by any amount, but it is off by the same
amount for both messages: their difference is sound, so two messages are only
ever compared with each other, never with the server's time.

WhatsApp's time is in whole seconds, so its difference is known to within a
second only. Two lines pasted at once may straddle a second (1 s apart on the
stamps, a few milliseconds in truth), which matters for a window of about a
second. The gateway's times (``created_at``, when each webhook came) are finer:
when their difference agrees with the person's to within that second, it is
taken as the finer reading; when it does not (the gateway was behind, or
replayed WhatsApp's history after an outage), the person's difference stands.

A message without WhatsApp's time (``sent_at`` 0) is measured on the gateway's
clock, for both messages alike.
"""

from __future__ import annotations

from concierge_common.contracts.messages import MessageReceived

# The resolution of WhatsApp's timestamps.
_WHOLE_SECOND = 1.0


def sent_apart(first: MessageReceived, then: MessageReceived) -> float:
    """Seconds between the sending of ``first`` and of ``then``, in either order (never < 0)."""
    received = then.created_at - first.created_at
    if first.sent_at <= 0 or then.sent_at <= 0:
        return abs(received)
    sent = then.sent_at - first.sent_at
    if _whole(first.sent_at) or _whole(then.sent_at):
        sent = _finer(sent, received)
    return abs(sent)


def _whole(stamp: float) -> bool:
    return float(stamp).is_integer()


def _finer(coarse: float, received: float) -> float:
    """``received`` when it is a possible value of the whole-second gap ``coarse``."""
    return received if abs(received - coarse) <= _WHOLE_SECOND else coarse
