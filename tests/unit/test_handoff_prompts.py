"""Person-facing texts: the store's CONTACT_HUMAIN prompts, cached, with defaults."""

from __future__ import annotations

from concierge_common.errors import DownstreamUnavailable
from handoff import business_hours, phrases
from handoff.prompts import PersonTexts
from support.handoff_fakes import OPEN_TIME, FakeClock, FakeHandoffStore

HOURS = business_hours.parse(business_hours.DEFAULT_HOURS)


class Ticks:
    def __init__(self) -> None:
        self.value = 0.0

    def __call__(self) -> float:
        return self.value


def _texts(store: FakeHandoffStore, ticks: Ticks) -> PersonTexts:
    return PersonTexts(store, HOURS, ttl_seconds=60, monotonic=ticks)


async def test_a_key_the_store_lacks_uses_the_built_in_text() -> None:
    store = FakeHandoffStore(FakeClock())
    store.prompt_table["CONTACT_HUMAIN"] = {"handoff_ended": "Au revoir."}
    texts = _texts(store, Ticks())

    assert await texts.text(phrases.ENDED, OPEN_TIME) == "Au revoir."
    no_staff = await texts.text(phrases.NO_STAFF_YET, OPEN_TIME)
    assert no_staff.startswith("Personne de l'accueil n'a encore pu vous répondre")
    assert "{horaires}" not in no_staff


async def test_prompts_are_read_again_only_after_the_ttl() -> None:
    store = FakeHandoffStore(FakeClock())
    store.prompt_table["CONTACT_HUMAIN"] = {"handoff_ended": "Version 1"}
    ticks = Ticks()
    texts = _texts(store, ticks)
    await texts.text(phrases.ENDED, OPEN_TIME)

    store.prompt_table["CONTACT_HUMAIN"] = {"handoff_ended": "Version 2"}
    ticks.value = 59
    assert await texts.text(phrases.ENDED, OPEN_TIME) == "Version 1"
    ticks.value = 60
    assert await texts.text(phrases.ENDED, OPEN_TIME) == "Version 2"
    assert store.calls.count("prompts") == 2


async def test_the_last_known_prompts_serve_while_the_store_is_down() -> None:
    store = FakeHandoffStore(FakeClock())
    store.prompt_table["CONTACT_HUMAIN"] = {"handoff_ended": "Version 1"}
    ticks = Ticks()
    texts = _texts(store, ticks)
    await texts.text(phrases.ENDED, OPEN_TIME)

    store.failing["prompts"] = DownstreamUnavailable("store down")
    ticks.value = 120
    assert await texts.text(phrases.ENDED, OPEN_TIME) == "Version 1"


async def test_without_any_prompt_and_the_store_down_the_defaults_serve() -> None:
    store = FakeHandoffStore(FakeClock())
    store.failing["prompts"] = DownstreamUnavailable("store down")

    text = await _texts(store, Ticks()).text(phrases.ENDED, OPEN_TIME)

    assert text == phrases.PERSON_DEFAULTS[phrases.ENDED]
