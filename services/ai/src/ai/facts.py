"""The small built-in set of parish facts the foundation answers from.

The real source of information is the store's time-bounded ``service_infos``
(issue #3) and the answerers of issue #5; until then these facts let a person
try the whole pipeline. Each fact has an id so replies can name their source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    id: str
    keywords: tuple[str, ...]
    answer: str


DEMO_FACTS: tuple[Fact, ...] = (
    Fact(
        "F1",
        ("messe", "horaire", "dimanche", "samedi", "heure", "celebration", "eucharistie"),
        "Les messes dominicales ont lieu le samedi à 18h30 et le dimanche à 10h30 à "
        "l'église Saint-Martin. En semaine, messe du mardi au vendredi à 8h30.",
    ),
    Fact(
        "F2",
        ("accueil", "secretariat", "bureau", "ouvert", "ouverture", "permanence", "presbytere"),
        "L'accueil paroissial (presbytère, 3 place de l'Église) est ouvert du lundi au "
        "vendredi de 9h à 12h et de 14h à 17h, le samedi de 9h à 12h.",
    ),
    Fact(
        "F3",
        ("bapteme", "baptiser", "enfant", "bebe"),
        "Pour un baptême, prenez contact avec l'accueil au moins trois mois avant la date "
        "souhaitée ; deux rencontres de préparation sont proposées aux parents.",
    ),
    Fact(
        "F4",
        ("mariage", "marier", "fiance"),
        "Pour un mariage à l'église, inscrivez-vous auprès de l'accueil au moins un an à "
        "l'avance ; la préparation se fait en plusieurs rencontres avec d'autres couples.",
    ),
    Fact(
        "F5",
        ("catechisme", "cate", "inscription", "caté", "catechese"),
        "Les inscriptions au catéchisme (du CE1 au CM2) se font à l'accueil paroissial ; "
        "les séances ont lieu le mercredi de 10h à 11h30.",
    ),
    Fact(
        "F6",
        ("confession", "confesser", "reconciliation", "pardon"),
        "Un prêtre est disponible pour les confessions le samedi de 10h à 12h à l'église, "
        "ou sur rendez-vous auprès de l'accueil.",
    ),
)
