"""Verification of WAHA's ``X-Webhook-Hmac`` header (HMAC-SHA512 of the raw body)."""

from __future__ import annotations

import hashlib
import hmac


def sign(key: str, body: bytes) -> str:
    """The lower-case hex HMAC-SHA512 WAHA sends for ``body``."""
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()


def verify(key: str, body: bytes, signature: str | None, algorithm: str | None) -> bool:
    """True when ``signature`` is WAHA's HMAC of the exact bytes received."""
    if not signature or (algorithm or "sha512").lower() != "sha512":
        return False
    return hmac.compare_digest(sign(key, body), signature.strip().lower())
