"""WAHA-shaped ``message`` webhooks, as WAHA builds and signs them (current envelope).

The envelope follows WAHA's ``populateSessionInfo``: ``id`` is ``evt_`` and a
lower-case ULID, ``timestamp`` in milliseconds, then event, session, me,
payload, engine and environment. The payload is a WEBJS text message from a
person (``fromMe`` false, ``timestamp`` in seconds). The signature is WAHA's
``X-Webhook-Hmac``: the lower-case hex HMAC-SHA512 of the exact body bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
DEV_ME = {"id": "33100000000@c.us", "pushName": "Paroisse (dev)"}
# The staff chat of `concierge run` unless STAFF_CHAT_ID says otherwise (`/staff` lines).
DEV_STAFF_CHAT = "33100000001@c.us"
DEV_ENVIRONMENT = {"version": "dev", "engine": "WEBJS", "tier": "CORE", "browser": None}


def event_id(now_ms: int | None = None) -> str:
    """``evt_`` + a lower-case ULID: 10 characters of time, 16 of randomness."""
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    stamp = "".join(CROCKFORD[(millis >> shift) & 31] for shift in range(45, -5, -5))
    return "evt_" + stamp + "".join(secrets.choice(CROCKFORD) for _ in range(16))


def chat_id_for(phone: str) -> str:
    """``33612345678`` or ``+33 6 12 34 56 78`` -> ``33612345678@c.us``; ids pass through."""
    if "@" in phone:
        return phone
    digits = "".join(char for char in phone if char.isdigit())
    if not digits:
        raise ValueError(f"not a phone number: {phone!r}")
    return f"{digits}@c.us"


def message_event(
    chat_id: str, text: str, *, session: str = "default", now: float | None = None
) -> dict[str, Any]:
    """A ``message`` event carrying ``text`` from ``chat_id``."""
    moment = time.time() if now is None else now
    return {
        "id": event_id(int(moment * 1000)),
        "timestamp": int(moment * 1000),
        "event": "message",
        "session": session,
        "me": dict(DEV_ME),
        "payload": {
            "id": f"false_{chat_id}_{uuid.uuid4().hex.upper()}",
            "timestamp": int(moment),
            "from": chat_id,
            "fromMe": False,
            "body": text,
            "hasMedia": False,
        },
        "engine": "WEBJS",
        "environment": dict(DEV_ENVIRONMENT),
    }


def media_event(
    chat_id: str,
    caption: str,
    *,
    url: str,
    mimetype: str,
    filename: str,
    session: str = "default",
    now: float | None = None,
) -> dict[str, Any]:
    """A ``message`` event carrying a file WAHA downloaded (``media.url``), with a caption."""
    event = message_event(chat_id, caption, session=session, now=now)
    event["payload"].update(
        {
            "hasMedia": True,
            "media": {"url": url, "mimetype": mimetype, "filename": filename, "error": None},
        }
    )
    return event


def phone_reply_event(
    chat_id: str, text: str, *, session: str = "default", now: float | None = None
) -> dict[str, Any]:
    """A ``message.any`` event: someone typed ``text`` to ``chat_id`` on the parish's phone.

    WAHA marks the organisation's own messages ``fromMe``, with ``source: "app"``
    when a human typed them on the phone (not sent through the API).
    """
    event = message_event(chat_id, text, session=session, now=now)
    event["event"] = "message.any"
    event["payload"].update(
        {
            "id": f"true_{chat_id}_{uuid.uuid4().hex.upper()}",
            "from": DEV_ME["id"],
            "to": chat_id,
            "fromMe": True,
            "source": "app",
        }
    )
    return event


def encode(event: dict[str, Any]) -> bytes:
    """The body bytes, compact like ``JSON.stringify``."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def sign(key: str, body: bytes) -> str:
    """WAHA's ``X-Webhook-Hmac``: lower-case hex HMAC-SHA512 of the raw body."""
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()


def headers(key: str, body: bytes) -> dict[str, str]:
    """The request headers WAHA sends with ``body`` (signed when ``key`` is set)."""
    sent = {"content-type": "application/json", "user-agent": "WAHA/dev"}
    if key:
        sent["x-webhook-hmac"] = sign(key, body)
        sent["x-webhook-hmac-algorithm"] = "sha512"
    return sent
