"""An in-memory stand-in of a NATS KV bucket, refusing the keys NATS would refuse."""

from __future__ import annotations

from dataclasses import dataclass, field

from nats.js.errors import InvalidKeyError, KeyNotFoundError
from nats.js.kv import VALID_KEY_RE, KeyValue


@dataclass
class MemoryBucket:
    """The few ``KeyValue`` calls the gateway makes (get, put), with NATS's key rule."""

    name: str
    values: dict[str, bytes] = field(default_factory=dict)

    async def get(self, key: str) -> KeyValue.Entry:
        check_key(key)
        if key not in self.values:
            raise KeyNotFoundError
        return KeyValue.Entry(self.name, key, self.values[key], 1, None, None, None)

    async def put(self, key: str, value: bytes) -> int:
        check_key(key)
        self.values[key] = value
        return 1


def check_key(key: str) -> None:
    """Raise ``InvalidKeyError`` for a key NATS would refuse."""
    if not VALID_KEY_RE.match(key) or key.startswith(".") or key.endswith("."):
        raise InvalidKeyError(key)
