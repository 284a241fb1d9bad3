"""A keyword is not an intent: questions for a fact against wishes to reach a person."""

from __future__ import annotations

import pytest

from router.asking import asks_not_for_a_person, asks_whom_to_reach, wants_a_person

# Questions for a fact that name a person to reach: the facts answer them.
QUESTIONS = [
    "Mon grand-père est en fin de vie, la famille voudrait qu'un prêtre passe ce soir. "
    "Qui appeler ?",
    "Est-ce qu'un prêtre pourrait venir prier avec elle à la maternité ?",
    "Pardon, mon père vient de mourir, qui dois-je appeler pour les obsèques ?",
    "Faut-il un rendez-vous pour rencontrer le curé ?",
    "Pour parler à un prêtre en confession, c'est quand ?",
    "Un prêtre peut-il venir à l'hôpital ?",
    "À qui dois-je m'adresser pour un baptême ?",
    "à qui m'adresser pour les obsèques",
    "Y a-t-il un prêtre qui parle anglais ?",
    "Est-ce que j'ai besoin d'un rendez-vous pour voir le prêtre ?",
    "c'est qui le prêtre de garde ?",
    "quel prêtre célèbre dimanche ?",
    "Le secrétariat est ouvert samedi ?",
    "num secretariat svp",
    "Je voudrais savoir comment contacter le curé",
    "Pouvez-vous me donner le numéro du secrétariat ?",
    "Who should I call for a funeral?",
    "Do I need an appointment to see the priest?",
    "Can a priest come to the hospital?",
    "Is there a priest on call at night?",
    "Quem devo ligar para um funeral?",
    "Um padre pode vir ao hospital?",
    "¿A quién llamo para un funeral?",
    "¿Puede venir un sacerdote al hospital?",
]
# Wishes to reach a person, or needs said (not asked): a person answers them.
WISHES = [
    "je voudrais un rendez-vous avec le curé",
    "Je souhaiterais prendre un rendez-vous avec le père Antoine",
    "Bonjour, j'aimerais un rendez-vous avec un prêtre, je traverse une période très difficile",
    "Puis-je avoir un rendez-vous avec le curé ?",
    "Est-ce que je pourrais avoir un rendez-vous avec le prêtre ?",
    "C'est urgent, mon père est mourant, nous avons besoin d'un prêtre",
    "Ma mère est en train de partir, il nous faut un prêtre maintenant !!",
    "Pouvez-vous me mettre en relation avec une personne de l'accueil ?",
    "I'd like an appointment with the priest",
    "I need a priest, it's urgent",
    "Can you send a priest to the hospital?",
    "Pouvez-vous venir bénir la maison de ma mère ?",
    "Je voudrais passer voir le curé cette semaine",
    "Quero marcar um encontro com o padre",
    "Preciso de um padre urgente",
    "Quisiera una cita con el párroco",
    "Necesito un sacerdote, es urgente",
]
# Neither a question nor a wish: naming the person is asking for them; someone doing
# something for the person is asked for, even in a question.
BARE = [
    "le secrétariat svp",
    "un prêtre svp c'est urgent",
    "Quelqu'un peut m'aider ?",
    "Est-ce que quelqu'un pourrait m'aider pour une demande de mariage ?",
    "Could somebody help me with a funeral?",
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_a_question_for_a_fact_is_not_a_request_for_a_person(text: str) -> None:
    assert asks_not_for_a_person(text)


@pytest.mark.parametrize("text", WISHES + BARE)
def test_a_wish_or_a_bare_name_is_a_request_for_a_person(text: str) -> None:
    assert not asks_not_for_a_person(text)


@pytest.mark.parametrize("text", WISHES)
def test_a_wish_to_meet_or_have_someone_is_wanting_a_person(text: str) -> None:
    assert wants_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais savoir comment contacter le curé",
        "Pouvez-vous me donner le numéro du secrétariat ?",
        "je voudrais les horaires du secrétariat",
        "Can you tell me who to call?",
        "Est-ce que j'ai besoin d'un rendez-vous ?",
        "Est-ce que quelqu'un peut me dire les horaires du secrétariat ?",
        # a wish for something else than a person, with the office's word in it
        "Nous aimerions fêter les 80 ans de notre maman dans la salle sous la cure, c'est"
        " combien ?",
        "Je voudrais inscrire mon fils, le secrétariat est ouvert quand ?",
        # one's own errand: going to the office, sending a card
        "Je voudrais passer au presbytère lundi pour réserver le sous-sol. C'est ouvert ?",
        "Je pourrais passer au bureau vendredi après le dîner, c'est ouvert ?",
        "Comment s'appelle le curé ? Je veux lui envoyer une carte de Noël.",
    ],
)
def test_wishing_to_know_something_is_not_wanting_a_person(text: str) -> None:
    assert not wants_a_person(text)


@pytest.mark.parametrize(
    ("text", "whom"),
    [
        ("Je voudrais qu'un prêtre passe voir ma mère, qui appeler ?", True),
        ("qui dois-je contacter pour un mariage ?", True),
        ("à qui m'adresser ?", True),
        ("Who do I contact for a baptism?", True),
        ("Quem devo contatar?", True),
        ("¿A quién debo llamar?", True),
        ("je voudrais parler à quelqu'un qui connaît le caté", False),
        ("un prêtre qui peut venir ce soir", False),
    ],
)
def test_asking_whom_to_call_is_told_from_a_relative_qui(text: str, whom: bool) -> None:
    assert asks_whom_to_reach(text) is whom
