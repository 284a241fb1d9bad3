"""A death in the family: condolences, the funeral fact, a person; never a bare decline."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ai.answerer import FactAnswerer, HandOff
from ai.bereavement import A_PERSON, CONDOLENCES, is_bereavement
from ai.facts import Fact
from ai.turns import SENSITIVE, TurnAnswerer
from concierge_common.contracts.messages import GenerateReply, MessageReceived

FUNERALS = Fact(
    "obseques",
    "RENSEIGNEMENT",
    "Obsèques",
    "Pour des obsèques, la famille contacte d'abord les pompes funèbres, qui appellent la "
    "paroisse. Une personne de l'équipe funérailles rencontre ensuite la famille.",
)


OTHERS = (
    Fact("messes", "RENSEIGNEMENT", "Messes du dimanche", "Messe le dimanche à 10h30 à l'église."),
    Fact("bapteme", "RENSEIGNEMENT", "Baptême", "Le baptême se prépare trois mois à l'avance."),
    Fact("mariage", "RENSEIGNEMENT", "Mariage", "Le mariage se prépare un an à l'avance."),
)


class Facts:
    def __init__(self, *facts: Fact) -> None:
        self._facts = facts

    async def facts(self, service: str) -> list[Fact]:
        return [fact for fact in self._facts if fact.service == service]


def _turn(text: str) -> GenerateReply:
    inbound = MessageReceived(
        message_id="m1", conversation_id="c1", correlation_id="k1", session="default",
        chat_id="33600000001@c.us", sender_id="33600000001@c.us", provider_message_id="p1",
        text=text,
    )  # fmt: skip
    return GenerateReply(
        message_id="g1", conversation_id="c1", correlation_id="k1", inbound=inbound,
        service="RENSEIGNEMENT", texts=[text],
    )  # fmt: skip


def _answerer(*facts: Fact) -> TurnAnswerer:
    now = datetime(2026, 12, 4, 10, tzinfo=UTC)
    return TurnAnswerer(
        FactAnswerer(Facts(*facts)), zone=ZoneInfo("Europe/Paris"), clock=lambda: now
    )


@pytest.mark.parametrize(
    "text",
    [
        "mon père est décédé cette nuit, on fait comment ?",
        "ma mère est morte hier",
        "comment organiser des obsèques",
        "My father died this morning",
        "o meu pai faleceu",
    ],
)
def test_a_death_or_a_funeral_is_recognised(text: str) -> None:
    assert is_bereavement(text)


@pytest.mark.parametrize(
    "text", ["la mort et la résurrection du Christ", "mon chat a disparu", "messe dimanche"]
)
def test_other_messages_are_not_taken_for_a_death(text: str) -> None:
    assert not is_bereavement(text)


async def test_a_bereavement_gets_condolences_the_fact_and_the_offer_of_a_person() -> None:
    answer = await _answerer(FUNERALS, *OTHERS).answer(
        _turn("mon père est décédé, comment organiser les obsèques ?")
    )
    assert not isinstance(answer, HandOff)
    assert answer is not None
    first, fact, offer = answer.text.split("\n\n")
    assert (first, offer) == (CONDOLENCES["fr"], A_PERSON["fr"])
    assert fact == FUNERALS.content
    assert answer.sources == ("obseques",)


async def test_a_bereavement_no_fact_answers_goes_to_a_person_gently() -> None:
    answer = await _answerer(*OTHERS).answer(
        _turn("mon père est décédé cette nuit, on fait comment ?")
    )
    assert isinstance(answer, HandOff)
    assert answer.reason == SENSITIVE
