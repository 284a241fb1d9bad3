"""Who may sign in to the staff console: accounts from ``CONSOLE_ACCOUNTS``.

Each account is ``name:role:hash`` (role ``admin`` or ``agent``), comma separated; the
hash is ``scrypt.N.r.p.<salt>.<key>`` (base64url), made by ``python -m gateway.console
hash-password``. Passwords are never stored nor logged; a wrong name costs the same
work as a wrong password, so that timing does not tell which names exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from concierge_common.errors import ConfigError
from gateway.api.auth import ADMIN, AGENT

CONSOLE_ROLES = (ADMIN, AGENT)
_N, _R, _P = 2**14, 8, 1
_KEY_BYTES = 32
_SCHEME = "scrypt"


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password_hash: str


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    key = _derive(password, salt, _N, _R, _P)
    return ".".join((_SCHEME, str(_N), str(_R), str(_P), _b64(salt), _b64(key)))


def password_matches(password: str, encoded: str) -> bool:
    """Whether ``password`` is the one ``encoded`` was made from (constant time)."""
    try:
        scheme, n, r, p, salt, key = encoded.split(".")
        if scheme != _SCHEME:
            return False
        expected = _unb64(key)
        derived = _derive(password, _unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived, expected)


class Accounts:
    """The console's accounts, by name."""

    def __init__(self, accounts: list[Account]) -> None:
        self._by_name = {account.name.casefold(): account for account in accounts}
        # A well-formed hash of a random password: checked when the name is unknown.
        self._decoy = hash_password(secrets.token_urlsafe(16))

    @classmethod
    def parse(cls, text: str) -> Accounts:
        """``CONSOLE_ACCOUNTS``; ``ConfigError`` naming the entry (never its hash) when wrong."""
        accounts = []
        for number, entry in enumerate(filter(None, (e.strip() for e in text.split(","))), 1):
            name, _, rest = entry.partition(":")
            role, _, encoded = rest.partition(":")
            name = name.strip()
            if not name or role not in CONSOLE_ROLES or not encoded.startswith(_SCHEME + "."):
                raise ConfigError(
                    f"CONSOLE_ACCOUNTS: entry {number} must be name:role:hash with a role"
                    f" among {', '.join(CONSOLE_ROLES)} and a hash from"
                    " `python -m gateway.console hash-password`"
                )
            accounts.append(Account(name=name, role=role, password_hash=encoded))
        return cls(accounts)

    def __len__(self) -> int:
        return len(self._by_name)

    def authenticate(self, name: str, password: str) -> Account | None:
        account = self._by_name.get(name.strip().casefold())
        matches = password_matches(password, account.password_hash if account else self._decoy)
        return account if account is not None and matches else None


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=_KEY_BYTES
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
