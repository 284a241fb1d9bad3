"""How fast the concierge answers in a terminal chat, and when a scripted line is over.

In production a reply waits for the router's burst window (a person often sends
several messages in a row; ``ROUTER_BURST_WINDOW_SECONDS``, 3 s) and shows
"typing..." for a time proportional to its length (``GATEWAY_TYPING_*``, up to
6 s plus jitter): about 9 s per answer, which makes a terminal demo drag. The
runner therefore gives the services short pauses unless the caller's
environment sets these variables, or ``--production-pacing`` asks for the
services' own defaults.
"""

from __future__ import annotations

from collections.abc import MutableMapping

# Short enough to chat, long enough that a burst (two lines pasted at once) is one turn,
# and that the typing indicator is still sent before each reply.
DEMO_PACING = {
    "ROUTER_BURST_WINDOW_SECONDS": "0.8",
    "GATEWAY_TYPING_MIN_SECONDS": "0",
    "GATEWAY_TYPING_MAX_SECONDS": "0.2",
    "GATEWAY_TYPING_JITTER_SECONDS": "0",
}

# ``concierge chat`` drives a gateway it cannot see into: a scripted line is over once
# no reply came for this long after the last one. Longer than the gap between two
# replies of one turn with production pacing (up to 6.5 s of "typing..." each).
# (``concierge run`` sees its own services' bus and needs no such guess.)
CHAT_QUIET_SECONDS = 10.0


def apply_demo_pacing(env: MutableMapping[str, str]) -> None:
    """Set the short pauses in ``env``, leaving alone any of them the caller set."""
    for name, value in DEMO_PACING.items():
        if not env.get(name):
            env[name] = value
