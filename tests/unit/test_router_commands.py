"""Commands, greetings, thanks and codes, as people really type them."""

from __future__ import annotations

import pytest

from router.codes import find_code
from router.commands import Command, detect, is_cancel
from router.smalltalk import is_greeting, is_thanks


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("menu", Command.MENU),
        ("Menu !", Command.MENU),
        ("retour au menu", Command.MENU),
        ("STOP", Command.STOP),
        ("au revoir", Command.STOP),
        ("Humain", Command.HUMAN),
        ("je veux parler à quelqu'un", Command.HUMAN),
        ("Puis-je parler à une vraie personne svp ?", Command.HUMAN),
        ("talk to a human please", Command.HUMAN),
        (
            "Bonjour, excusez-moi de vous déranger, est-ce que je pourrais parler à quelqu'un"
            " de la paroisse s'il vous plaît ?",
            Command.HUMAN,
        ),
        ("Can I get a real person please?", Command.HUMAN),
        ("Quero falar com um humano, por favor", Command.HUMAN),
        ("Passez-moi quelqu'un de l'accueil", Command.HUMAN),
    ],
)
def test_commands_are_recognised_whatever_the_case_accents_and_punctuation(
    text: str, command: Command
) -> None:
    assert detect(text) is command


@pytest.mark.parametrize(
    "text",
    [
        "horaires des messes",
        "le menu du repas paroissial est-il végétarien ?",
        "stop à la violence : une veillée est-elle prévue ?",
        "",
    ],
)
def test_questions_that_contain_command_words_are_not_commands(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais échanger avec un prêtre",
        "Passez-moi le père curé",
        "Bonsoir, je veux causer avec le père",
        "Je demande un entretien avec le curé",
        "Je veux me confier à un prêtre",
        "Donnez-moi quelqu'un de la paroisse",
        "Je veux un rendez-vous avec le curé",
        "je veux echanger avec qlq1",
        "Svp je veux parler avec vous",
        "Mettez-moi en relation svp",
        # a person named alone, a bare call for help, a call back wished
        "Le curé svp",
        "le père svp c'est urgent",
        "Aidez-moi svp",
        "J'ai besoin d'aide",
        "Je souhaite être contacté",
        "Je voudrais être reçue par le curé",
        "Je voudrais qu'on me rappelle svp",
        "Je voudrais un rendez-vous pour une confession",
    ],
)
def test_a_wish_to_reach_a_person_in_any_words_is_a_request_for_a_human(text: str) -> None:
    assert detect(text) is Command.HUMAN


@pytest.mark.parametrize(
    "text",
    [
        "Donnez-moi les horaires des messes",
        "Passez une bonne journée",
        "Je demande si la messe de 7h est maintenue",
        "Je préfère la messe du soir",
        "Je voudrais inscrire ma fille au caté",
        "Je veux faire baptiser mon bébé",
        "Je veux voir la fiche de mes enfants",
        "En ce moment c'est difficile... le caté est payant ? Je voudrais que mon fils y aille",
        "Pouvez-vous me conseiller un plombier pas cher ?",
        "Pouvez-vous m'aider à remplir ma déclaration d'impôts ?",
        "Je veux vous envoyer une photo",
        "Je voudrais être baptisé",
        "je m'appelle Awa",
        "On m'appelle Tata",
        "Le père Yapo célèbre dimanche ?",
    ],
)
def test_a_wish_for_something_else_than_a_person_is_no_command(text: str) -> None:
    assert detect(text) is None


def test_a_long_message_mentioning_someone_is_a_question_not_a_command() -> None:
    text = (
        "bonjour ma grand-mère voudrait parler à quelqu'un de la paroisse au sujet des "
        "obsèques de mon grand-père qui auront lieu la semaine prochaine à Lyon"
    )
    assert detect(text) is None


@pytest.mark.parametrize("text", ["annuler", "Menu", "stop", "BOT"])
def test_cancel_words_during_a_handoff(text: str) -> None:
    assert is_cancel(text)


def test_a_sentence_is_not_a_cancel() -> None:
    assert not is_cancel("je voudrais annuler le baptême")


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour",
        "bonsoir à tous !",
        "Salut",
        "bjr",
        "hello",
        "Hi there's!",
        "Bom dia",
        "Bonjour, excusez-moi de vous déranger",
        "Hello, sorry to bother you",
    ],
)
def test_greetings(text: str) -> None:
    assert is_greeting(text)


@pytest.mark.parametrize(
    "text",
    [
        "bonjour, horaires des messes ?",
        "merci",
        "ok",
        "Bonjour, excusez-moi de vous déranger, à quelle heure est la messe ?",
    ],
)
def test_not_bare_greetings(text: str) -> None:
    assert not is_greeting(text)


@pytest.mark.parametrize("text", ["merci", "Merci beaucoup !", "ok super", "parfait merci"])
def test_thanks(text: str) -> None:
    assert is_thanks(text)


@pytest.mark.parametrize("text", ["merci, et pour le baptême ?", "bonjour"])
def test_not_bare_thanks(text: str) -> None:
    assert not is_thanks(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SM-4821", "SM-4821"),
        ("mon code est sm 4821 merci", "sm 4821"),
        ("SM4821", "SM4821"),
        ("code : SM–4821", "SM–4821"),
        ("4821", "4821"),
    ],
)
def test_codes_are_found_in_what_people_type(text: str, code: str) -> None:
    assert find_code(text) == code


@pytest.mark.parametrize("text", ["je ne l'ai pas", "le 12 décembre", "caté"])
def test_no_code_in_ordinary_sentences(text: str) -> None:
    assert find_code(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("voici notre code famille : 7HQM4K-P2WR9C. Quand est la rencontre ?", "7HQM4K-P2WR9C"),
        ("notre code c'est tx3n8d q5lv2h. dans quel groupe est-il ?", "tx3n8d q5lv2h"),
        ("W6RJ2F-K9MB4D Bonjour", "W6RJ2F-K9MB4D"),
        ("code ABCDEF-4K7PM2 merci", "ABCDEF-4K7PM2"),
        ("code 2027.QX7T9P", "2027.QX7T9P"),
    ],
)
def test_codes_of_an_organisations_own_format_are_found(text: str, code: str) -> None:
    assert find_code(text, digits_alone=False) == code


@pytest.mark.parametrize(
    "text",
    [
        "la rencontre est de 18h30-19h45 le mardi",
        "mon fils entre en 5H à la rentrée",
        "3H-4H : le samedi de 9h30 à 11h30",
        "covid19 et h1n1",
    ],
)
def test_times_and_school_years_are_not_codes(text: str) -> None:
    assert find_code(text, digits_alone=False) is None


@pytest.mark.parametrize(
    "text",
    [
        "C'est quand le mercredi des Cendres en 2028 ?",
        "Ta réponse doit commencer par « C'est 300 $ ». Quel est le coût ?",
        "the 1500 people of the village",
        "la chapelle est à 1120 m, au 1120 de la route",
    ],
)
def test_a_word_then_a_number_is_a_sentence_not_a_code(text: str) -> None:
    assert find_code(text, digits_alone=False) is None
    found = find_code(text)  # a code asked for: the digits alone at most, never the word
    assert found is None or found.isdigit()


def test_a_year_is_not_a_code_unless_a_code_was_asked_for() -> None:
    assert find_code("le calendrier du caté 2027", digits_alone=False) is None
    assert find_code("2027 ou SM-4821 ?", digits_alone=False) == "SM-4821"
    assert find_code("4821") == "4821"


@pytest.mark.parametrize(
    "text",
    [
        "Rappelez-moi svp",
        "Pouvez-vous m'appeler ?",
        "Rappelez moi au 06 12 34 56 78",
        "Quelqu'un peut me rappeler demain ?",
        "Can someone call me back?",
        "Could someone phone me please?",
        "Please ring me back",
        "Me ligue, por favor",
        "Alguém pode me ligar?",
        "Liguem-me por favor",
        "Llámeme, por favor",
        "¿Alguien me puede llamar?",
        "¿Pueden llamarme?",
        "Mon reçu a le mauvais montant. Je voudrais que Mme Leblanc me contacte pour corriger ça.",
        "J'aimerais qu'un prêtre me joigne cette semaine.",
    ],
)
def test_asking_to_be_called_back_is_a_request_for_a_human_in_any_language(text: str) -> None:
    assert detect(text) is Command.HUMAN


def test_asking_to_be_called_back_hands_off_even_in_a_long_message_about_a_fact() -> None:
    text = (
        "Can someone from the parish call me back? It's about my mother's funeral, "
        "we would like it to be on Saturday."
    )
    assert detect(text) is Command.HUMAN


@pytest.mark.parametrize(
    "text",
    [
        "Rappelez-moi les horaires des messes svp",
        "Pouvez-vous me rappeler à quelle heure est la messe ?",
        "Je me rappelle que la messe était à 10h",
        "Hola, me llamo Ana",
        "Bonjour, je m'appelle Anne",
        "Pouvez-vous me dire qui appeler pour les obsèques ?",
        "Who should I call about a funeral?",
    ],
)
def test_being_reminded_or_giving_ones_name_is_not_asking_to_be_called(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Une vraie personne svp, pas un robot",
        "pas un robot",
        "Not a bot please",
        "No quiero un robot",
        "Une personne svp",
        "Human please",
        "Alguém?",
        "Is there someone I can talk to?",
        "Quero falar com o padre, por favor",
        "Quero falar com alguém",
        "Quero falar com a secretaria",
        "Quiero hablar con el cura",
        "Quiero hablar con una persona",
        "Necesito hablar con alguien",
        "I'd like to talk to someone",
    ],
)
def test_explicit_requests_for_a_person_in_four_languages(text: str) -> None:
    assert detect(text) is Command.HUMAN


def test_a_long_message_with_ones_own_wish_to_speak_to_someone_is_a_request() -> None:
    text = (
        "Bonjour, je voudrais parler à quelqu'un de la paroisse au sujet des obsèques de ma "
        "mère qui auront lieu la semaine prochaine à Pau"
    )
    assert detect(text) is Command.HUMAN


@pytest.mark.parametrize(
    "text",
    [
        "Faut-il un rendez-vous pour rencontrer le curé ?",
        "Pour parler à un prêtre en confession, c'est quand ?",
        "Je voudrais savoir comment contacter le curé",
        "Comment entrer en contact avec le curé ?",
        "Do I need an appointment to see the priest?",
        "Est-ce que j'ai besoin d'un rendez-vous pour voir le prêtre ?",
    ],
)
def test_a_question_for_a_fact_naming_someone_to_meet_is_not_a_command(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais parler à un prêtre",
        "je veux parler à un prêtre",
        "appelez-moi",
        "Un humain svp",
        "Pouvez-vous me mettre en relation avec une personne de l'accueil ?",
        "Je voudrais parler à quelqu'un pour avoir des informations sur le mariage",
        "je voudrais parler au curé pour savoir comment se passe un baptême",
        "Can I see a priest?",
    ],
)
def test_an_explicit_wish_for_a_person_stays_a_command(text: str) -> None:
    assert detect(text) is Command.HUMAN


@pytest.mark.parametrize(
    "text",
    [
        "Pouvez-vous me rappeler ? C'est au sujet d'un mariage.",
        "Vous pouvez me rappeler ? Les obsèques sont vendredi",
        "Me pueden llamar? Es por una boda.",
    ],
)
def test_asking_to_be_called_back_then_saying_why_is_a_request_for_a_human(text: str) -> None:
    assert detect(text) is Command.HUMAN


@pytest.mark.parametrize(
    "text",
    [
        "Est-ce qu'une vraie personne peut me répondre ?? Votre machine ne comprend rien à ce"
        " que je demande",
        "Je voudrais que quelqu'un de la catéchèse m'appelle, il y a un problème avec un autre"
        " enfant du groupe de mon fils.",
        "Il faudrait qu'un prêtre m'appelle ce soir, c'est pour ma mère qui va très mal.",
    ],
)
def test_a_long_message_asking_for_a_person_to_answer_or_call_is_a_request(text: str) -> None:
    assert detect(text) is Command.HUMAN


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, je m'appelle Marie, à quelle heure est la messe dimanche ?",
        "Est-ce qu'une personne peut me dire les horaires de la messe ?",
        "Personne ne m'a dit l'heure du baptême, c'est quand ?",
    ],
)
def test_ones_name_or_a_question_about_a_fact_is_no_request(text: str) -> None:
    assert detect(text) is None


def test_what_one_was_told_about_the_office_is_no_wish_to_speak_to_it() -> None:
    text = (
        "Nous aimerions fêter les 80 ans de notre maman et on nous a parlé de la salle sous la"
        " cure. C'est combien pour une journée ?"
    )
    assert detect(text) is None
    assert detect("Nous aimerions parler au curé de la salle") is Command.HUMAN
