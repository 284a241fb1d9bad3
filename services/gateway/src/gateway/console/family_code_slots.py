"""A newly issued parent code, held for the one page that shows it (POST-redirect-GET).

The form that issues a code gets a redirect to ``/families/{id}/code/{token}``; that
page takes the code out of its slot and shows it. A slot is single-use, lives a few
minutes, and opens only for the staff member who issued the code: reloading the
page (or going back to it) shows nothing and, above all, never issues another
code, which would revoke the one just shown. Slots are kept in this process's
memory only: a restart loses the code, which then has to be issued again.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from concierge_common.contracts.store_api import IssuedCode

SLOT_SECONDS = 300.0
MAX_SLOTS = 1000  # past this, the oldest slots are dropped (a console's admins are few)


@dataclass(frozen=True)
class _Slot:
    issued: IssuedCode
    owner: str  # the staff member who issued it
    until: float


class CodeSlots:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._slots: dict[str, _Slot] = {}

    def hold(self, issued: IssuedCode, owner: str) -> str:
        """Keep ``issued`` for ``owner``; the token that takes it back, once."""
        self._drop_expired()
        while len(self._slots) >= MAX_SLOTS:
            self._slots.pop(next(iter(self._slots)))
        token = secrets.token_urlsafe(24)
        self._slots[token] = _Slot(issued, owner, self._clock() + SLOT_SECONDS)
        return token

    def take(self, token: str, family_id: str, owner: str) -> IssuedCode | None:
        """The code held under ``token`` for this family and owner, then gone; else None."""
        slot = self._slots.get(token)
        if slot is None or slot.owner != owner or slot.issued.family_id != family_id:
            return None
        del self._slots[token]
        return slot.issued if self._clock() < slot.until else None

    def _drop_expired(self) -> None:
        now = self._clock()
        for token in [token for token, slot in self._slots.items() if slot.until <= now]:
            del self._slots[token]
