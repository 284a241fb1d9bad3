"""Keyed hashes of the codes people prove (a family's parent code).

The store never keeps such a code in clear: ``user_services.intrinsic_id`` is
the HMAC-SHA256 of the normalised code under ``INTRINSIC_ID_KEY``, bound to the
service so that one code means nothing in another service. Verifying a code
typed by a parent is hashing it the same way and looking the hash up.

Normalising forgives what people do when they copy a code from a letter or a
message: surrounding spaces, lower case, spaces or dashes inside ("sm 4821",
"SM–4821" with the dash a phone keyboard substitutes).

Codes come in two formats. The first families got short ones (``SM-4821``: about
10⁴ values, guessable); ``concierge codes generate`` makes strong ones (three
groups of four from an alphabet without look-alikes, ``K7PM-3QX9-HT4C``: about
59 bits). Both are hashed alike; a code is *weak* when it is shorter than the
strong format, and weak codes can be suspended (:mod:`store.claim_limits`).
"""

from __future__ import annotations

import hashlib
import hmac
import re

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
# Characters of a strong code once normalised (three groups of four).
STRONG_LENGTH = 12


def normalise_code(code: str) -> str:
    """``code`` without separators, in upper case: ``" sm-4821 "`` -> ``"SM4821"``."""
    return _SEPARATORS.sub("", code).upper()


def hash_code(key: str, service_id: str, code: str) -> str:
    """The hex HMAC-SHA256 under ``key`` of ``code`` (normalised) within ``service_id``."""
    message = f"{service_id.strip().lower()}:{normalise_code(code)}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def is_weak(code: str) -> bool:
    """Whether ``code`` is shorter than the strong format (an old, guessable code)."""
    return len(normalise_code(code)) < STRONG_LENGTH
