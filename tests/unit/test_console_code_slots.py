"""The one-time slot of a newly issued parent code: taken once, by its issuer, for its family,
while it is young; reloading the page that showed it finds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from concierge_common.contracts.store_api import IssuedCode
from gateway.console.family_code_slots import MAX_SLOTS, SLOT_SECONDS, CodeSlots

FAMILY = "00000000-0000-4000-8000-000000000001"


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def issued(family_id: str = FAMILY, code: str = "AB12-CD34-EF56") -> IssuedCode:
    when = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    return IssuedCode(family_id=family_id, code=code, issued_at=when, revoked_roles=0)


def test_a_held_code_is_taken_once_and_then_is_gone() -> None:
    slots = CodeSlots(Clock())
    token = slots.hold(issued(), "Paul")
    assert slots.take(token, FAMILY, "Paul") == issued()
    assert slots.take(token, FAMILY, "Paul") is None


def test_another_admin_or_another_family_finds_nothing_and_leaves_the_slot() -> None:
    slots = CodeSlots(Clock())
    token = slots.hold(issued(), "Paul")
    assert slots.take(token, FAMILY, "Marie") is None
    assert slots.take(token, "00000000-0000-4000-8000-000000000002", "Paul") is None
    assert slots.take(token, FAMILY, "Paul") is not None


def test_an_old_slot_shows_nothing() -> None:
    clock = Clock()
    slots = CodeSlots(clock)
    token = slots.hold(issued(), "Paul")
    clock.now += SLOT_SECONDS
    assert slots.take(token, FAMILY, "Paul") is None


def test_tokens_differ_and_the_oldest_slots_make_room() -> None:
    slots = CodeSlots(Clock())
    tokens = [slots.hold(issued(code=f"CODE-{n}"), "Paul") for n in range(MAX_SLOTS + 1)]
    assert len(set(tokens)) == len(tokens)
    assert slots.take(tokens[0], FAMILY, "Paul") is None
    assert slots.take(tokens[-1], FAMILY, "Paul") == issued(code=f"CODE-{MAX_SLOTS}")
