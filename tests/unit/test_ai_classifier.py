"""intent.classify: the offered service a message is clearly about, or no guess."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from ai.classifier import IntentClassifier
from ai.facts import Fact
from concierge_common.contracts import ai_api

FACTS = (
    Fact("m", "RENSEIGNEMENT", "Messes du dimanche", "Samedi à 18h, dimanche à 9h30 et 11h."),
    Fact("c", "RENSEIGNEMENT", "Chorale paroissiale", "Répétitions le jeudi de 20h15 à 22h."),
    Fact("b", "RENSEIGNEMENT", "Mariage", "Contactez l'accueil un an avant la date envisagée."),
    Fact("i", "CATECHESE", "Inscriptions", "Participation aux frais : 45 € par enfant."),
    Fact("p", "CATECHESE", "Première communion", "Elle se prépare en CM1, groupe Timothée."),
    Fact("h", "CONTACT_HUMAIN", "Permanences", "Du lundi au vendredi de 9h30 à 12h."),
)
OFFERED = [
    ai_api.ServiceChoice(
        name="RENSEIGNEMENT",
        description="Informations pratiques : messes, sacrements, accueil, activités.",
        keywords=["messe", "baptême", "mariage"],
    ),
    ai_api.ServiceChoice(
        name="CATECHESE",
        description="Catéchisme des enfants : calendrier, groupes, inscriptions.",
        keywords=["catéchisme", "caté", "enfant"],
    ),
    ai_api.ServiceChoice(
        name="CONTACT_HUMAIN",
        description="Être mis en relation avec une personne de l'accueil paroissial.",
        keywords=["humain", "parler", "secrétariat"],
    ),
]


class ListedFacts:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def facts(self, service: str) -> list[Fact]:
        self.asked.append(service)
        return [fact for fact in FACTS if fact.service == service]


def _classifier(source: ListedFacts | None = None) -> IntentClassifier:
    return IntentClassifier(source or ListedFacts(), min_score=1.5, margin=1.5)


async def _classify(
    text: str, offered: list[ai_api.ServiceChoice] = OFFERED
) -> ai_api.ClassifyResult:
    return await _classifier().classify(ai_api.ClassifyRequest(text=text, services=offered))


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("à quelle heure est l'office le dimanche ?", "RENSEIGNEMENT"),
        ("je voudrais chanter le jeudi soir", "RENSEIGNEMENT"),
        ("combien coûte l'inscription de ma fille ?", "CATECHESE"),
        ("la première communion de mon fils", "CATECHESE"),
        ("je voudrais être mis en relation avec une personne", "CONTACT_HUMAIN"),
    ],
)
async def test_a_message_clearly_about_one_service_names_it(text: str, service: str) -> None:
    result = await _classify(text)
    assert result.service == service
    assert 0.0 < result.confidence <= 1.0


@pytest.mark.parametrize("text", ["quel temps fera-t-il demain ?", "ok", "pizza margherita"])
async def test_an_unrelated_message_gets_no_guess(text: str) -> None:
    assert (await _classify(text)).service is None


async def test_a_message_about_two_services_alike_gets_no_guess() -> None:
    # "inscription" is a CATECHESE fact, "mariage" a RENSEIGNEMENT one: no clear winner.
    assert (await _classify("inscription mariage")).service is None


async def test_only_offered_services_are_considered() -> None:
    source = ListedFacts()
    offered = [choice for choice in OFFERED if choice.name != "CATECHESE"]
    request = ai_api.ClassifyRequest(text="inscription au caté", services=offered)
    result = await _classifier(source).classify(request)
    assert result.service != "CATECHESE"
    assert "CATECHESE" not in source.asked


async def test_nothing_offered_gets_no_guess() -> None:
    assert (await _classify("messe dimanche", [])).service is None


async def test_classifications_are_counted_by_result() -> None:
    def sample(result: str) -> float:
        labels = {"result": result}
        return REGISTRY.get_sample_value("concierge_ai_classifications_total", labels) or 0.0

    chosen, unsure = sample("chosen"), sample("unsure")
    await _classify("messe dimanche")
    await _classify("pizza")
    assert (sample("chosen"), sample("unsure")) == (chosen + 1, unsure + 1)


async def test_the_operation_is_served_under_the_contract_name() -> None:
    [operation] = _classifier().operations()
    assert (operation.name, operation.request_type) == (ai_api.CLASSIFY, ai_api.ClassifyRequest)
