"""The person's language, read from short messages as people write them."""

from __future__ import annotations

import pytest

from concierge_common.french.languages import telling, written_in

FRENCH = [
    "Une vraie personne svp",
    "pas un robot",
    "Un humain svp",
    "un prêtre stp",
    "Combien coûte un baptême ?",
    "Combien coute une messe",
    "un rdv avec le curé",
    "Messe dimanche ?",
    "la messe c koi l'heure",
    "c koi lé horR d mess",
    "pk pas de messe",
    "pk l'église est fermée",
    "c ou l'eglise",
    "jpeu parlé a la secretaire",
    "g besoin d'un certificat",
    "mrc bcp",
    "dsl pour le retard",
    "bjr, messe demain ?",
    "Bonjour",
    "merci !",
    "Ouvert le lundi ?",
    "Quel jour pour la confession ?",
    "mon fils est malade",
    "Mon père est décédé hier",
    "Rappelez-moi svp",
    "Je veux parler au curé",
    "On peut se marier à l'église ?",
    "Le parking est gratuit le week-end ?",
    "Mis en relation avec le secrétariat svp",
    "Un prêtre pour un malade",
    "parking ?",
    "10h30 ?",
    "Horaires",
    "Adresse de l'église Saint-Orens",
    "MESSES WEEK-END",
    "horaires week-end",
    "baby-sitting paroisse",
]
ENGLISH = [
    "Hello",
    "hi",
    "Thanks!",
    "Where is the church?",
    "Mass on Sunday?",
    "Is the church open?",
    "Call me back please",
    "Can someone call me?",
    "I want to speak to a priest",
    "Talk to a real person",
    "Is there a Mass today?",
    "What time is confession?",
    "My son wants to be baptized",
    "Sorry, where is the church please?",
    "We'd like to get married here",
]
PORTUGUESE = [
    "Olá",
    "Oi, bom dia",
    "obrigado",
    "Quero falar com o padre",
    "Quero falar com alguém",
    "Me ligue, por favor",
    "Pode me ligar?",
    "Preciso de uma pessoa",
    "Onde fica a igreja?",
    "Tem missa hoje?",
    "A que horas é a missa?",
    "Quanto custa o batismo?",
    "O meu filho quer fazer a catequese",
    "Meu pai morreu",
    "A igreja está aberta?",
    "Não encontro a igreja",
]
SPANISH = [
    "Hola",
    "gracias",
    "Quiero hablar con el cura",
    "Quiero hablar con una persona",
    "Llámeme, por favor",
    "¿Pueden llamarme?",
    "¿Dónde está la iglesia?",
    "¿Hay misa hoy?",
    "¿A qué hora es la misa?",
    "¿Cuánto cuesta el bautizo?",
    "Mi hijo quiere hacer la catequesis",
    "Mi padre murió",
    "¿La iglesia está abierta?",
    "No encuentro la iglesia",
    "Necesito hablar con alguien",
]


@pytest.mark.parametrize(
    ("text", "language"),
    [(text, "fr") for text in FRENCH]
    + [(text, "en") for text in ENGLISH]
    + [(text, "pt") for text in PORTUGUESE]
    + [(text, "es") for text in SPANISH],
)
def test_a_short_message_is_read_in_the_language_it_is_written_in(text: str, language: str) -> None:
    assert written_in(text) == language


@pytest.mark.parametrize(
    ("portuguese", "spanish"),
    [
        ("Quero falar com o padre", "Quiero hablar con el cura"),
        ("Quero falar com o padre", "Quiero hablar con el padre"),
        ("Uma pessoa, por favor", "Una persona, por favor"),
        ("Não tem missa?", "¿No hay misa?"),
        ("Onde é a igreja?", "¿Dónde es la iglesia?"),
    ],
)
def test_portuguese_and_spanish_are_told_apart_by_the_words_they_do_not_share(
    portuguese: str, spanish: str
) -> None:
    assert written_in(portuguese) == "pt"
    assert written_in(spanish) == "es"


@pytest.mark.parametrize("text", ["padre", "domingo", "un", "ok", "12", "?"])
def test_a_message_with_only_shared_words_tells_no_language(text: str) -> None:
    assert telling(text) is None
    assert written_in(text) == "fr"


@pytest.mark.parametrize(
    "text",
    [
        "Le week-end, la messe est à quelle heure ?",
        "Le parking de l'église est open ?",
        "Mon fils veut faire son baptism, c'est possible ?",
        "La misa de dimanche c'est à quelle heure ?",
    ],
)
def test_a_french_message_with_a_foreign_word_stays_french(text: str) -> None:
    assert written_in(text) == "fr"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Inscription caté: what price?", "en"),
        ("Where is the église Saint-Orens?", "en"),
        ("A que horas é a messe?", "pt"),
        ("¿Dónde es el caté?", "es"),
        ("Missa domingo?", "pt"),  # nothing else: the noun tells
    ],
)
def test_a_parish_noun_copied_in_french_does_not_outweigh_the_persons_own_words(
    text: str, language: str
) -> None:
    assert written_in(text) == language
