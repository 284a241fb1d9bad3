"""Identifiers: internal conversation ids and their bus partition, bus ids, bucket keys.

A conversation id is a keyed hash of the WhatsApp session and chat id, so it
can be computed at the edge without a database, never reveals a phone number
(on a subject, in a log, in a metric) and cannot be reversed by hashing phone
numbers without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid


def conversation_id(key: str, session: str, chat_id: str) -> str:
    """The stable internal id (32 hex chars) of one WhatsApp chat in one WAHA session."""
    digest = hmac.new(key.encode(), f"{session}\x1f{chat_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def partition(conversation: str, partitions: int) -> int:
    """The partition that carries every message of ``conversation`` (same for all stages)."""
    if partitions < 1:
        raise ValueError("partitions must be >= 1")
    digest = hashlib.blake2b(conversation.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % partitions


def new_id() -> str:
    """A fresh random id for a bus message (32 hex chars)."""
    return uuid.uuid4().hex


# Characters a NATS KV key may hold as they are; any other is written "=XX" (hex, UTF-8).
_KEY_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def lid_key(lid: str) -> str:
    """The key of a linked id (``...@lid``) in the ``wa_lids`` bucket: reversible, only
    characters NATS allows in a key. The gateway writes it; a privacy erasure (store)
    removes the person's."""
    return "".join(
        char if char in _KEY_SAFE else "".join(f"={byte:02X}" for byte in char.encode())
        for char in lid
    )


def derived_id(stage: str, source_id: str) -> str:
    """A deterministic id for what ``stage`` produces from ``source_id``.

    Used as the ``Nats-Msg-Id`` of a downstream publish so that a redelivered
    input produces the very same output message, which JetStream then drops.
    """
    return hashlib.sha256(f"{stage}\x1f{source_id}".encode()).hexdigest()[:32]
