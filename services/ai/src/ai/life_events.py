"""Life events: a death, a birth, a wedding get the words the moment needs around the answer.

"Mon père est décédé cette nuit, on fait comment ?" is one of the most important
messages a parish receives. The offline answerer gives what the facts say about
funerals like any answer, but never bare: condolences first, the fact, then
the offer of a person. When no fact answers, the message goes to a human with
a gentle word (reason ``ai_sensitive``), never with "no reliable information".
A birth ("notre fille est née", "nous venons d'avoir un bébé") or a coming
wedding ("nous allons nous marier") opens the answer with congratulations.

The words are those of a death or a funeral, in French (plain and SMS
spellings), English, Portuguese and Spanish; "mort", "disparu", "nous a quittés" or
"s'est éteint" alone is not enough (the death of Christ is in every Holy Week fact,
a cat may be missing): it needs a relative or a time. A death, a birth or a wedding
whose words find no fact is searched again as the parish's next step (a funeral, a
baptism, a wedding): :func:`next_step_question`.
"""

from __future__ import annotations

from ai.language import Language
from concierge_common.french.text import words

_DEATH = frozenset(
    {
        "decede", "decedee", "deces", "deceder", "obseques", "enterrement", "enterrer",
        "funerailles", "inhumation", "cremation", "deuil", "defunt", "defunte", "died",
        "funeral", "burial", "faleceu", "falecido", "falecida", "enterro", "murio", "fallecio",
        "fallecido", "fallecida", "entierro",
    }
)  # fmt: skip
_DEAD = frozenset(
    {"mort", "morte", "disparu", "disparue", "quitte", "quittes", "quittee", "quittees",
     "eteint", "eteinte", "dead", "passed", "morreu", "muerto", "muerta", "murio"}
)  # fmt: skip
_CLOSE = frozenset(
    {
        "pere", "mere", "papa", "maman", "mari", "femme", "epoux", "epouse", "fils", "fille",
        "frere", "soeur", "grand", "oncle", "tante", "cousin", "cousine", "ami", "amie", "bebe",
        "nuit", "hier", "matin", "ce", "father", "mother", "husband", "wife", "son", "daughter",
        "brother", "sister", "pai", "mae", "padre", "madre",
    }
)  # fmt: skip

CONDOLENCES: dict[Language, str] = {
    "fr": "Toutes nos condoléances. Nous sommes de tout cœur avec vous.",
    "en": "Please accept our deepest condolences.",
    "pt": "Os nossos sentidos pêsames.",
    "es": "Le acompañamos en el sentimiento.",
}
A_PERSON: dict[Language, str] = {
    "fr": "Si vous le souhaitez, une personne de la paroisse peut vous appeler et vous "
    "accompagner : écrivez « humain ».",
    "en": "If you wish, someone from the parish can call you and help: write « humain ».",
    "pt": "Se desejar, uma pessoa da paróquia pode ligar-lhe e acompanhá-lo: escreva « humain ».",
    "es": "Si lo desea, una persona de la parroquia puede llamarle y acompañarle: escriba "
    "« humain ».",
}


_BIRTH = frozenset(
    {"ne", "nee", "naissance", "naitre", "bebe", "nourrisson", "born", "baby", "nasceu",
     "nacio"}
)  # fmt: skip
_JUST = frozenset(
    {"venons", "vient", "venez", "attendons", "attend", "notre", "nos", "ma", "mon", "just",
     "our", "nosso", "nossa", "nuestro", "nuestra"}
)  # fmt: skip
_WEDDING = frozenset(
    {"marier", "marie", "mariage", "fiances", "fiancee", "fiance", "epouser", "married",
     "marry", "wedding", "engaged", "casar", "casamento", "casarnos", "boda"}
)  # fmt: skip
_FUTURE = frozenset(
    {"allons", "voulons", "veut", "veu", "souhaitons", "aimerions", "prochain", "prochaine",
     "bientot", "getting", "going", "vamos", "queremos"}
)  # fmt: skip
CONGRATULATIONS: dict[Language, str] = {
    "fr": "Félicitations, quelle belle nouvelle !",
    "en": "Congratulations, what wonderful news!",
    "pt": "Parabéns, que bela notícia!",
    "es": "¡Enhorabuena, qué buena noticia!",
}


# What the facts are searched with when a life event's own words find nothing: the next
# step a parish offers (a funeral, a baptism, a wedding), whatever the message said.
FUNERAL_QUESTION = "obsèques funérailles enterrement"
BAPTISM_QUESTION = "baptême d'un bébé"
WEDDING_QUESTION = "se marier à l'église mariage"


def is_joyful(text: str) -> bool:
    """Whether ``text`` tells of a birth or of the person's own coming wedding."""
    said = words(text)
    return _born(said) or _wedding(said)


def next_step_question(text: str) -> str | None:
    """The search for the parish's next step after the life event ``text`` tells of."""
    if is_bereavement(text):
        return FUNERAL_QUESTION
    said = words(text)
    if _born(said):
        return BAPTISM_QUESTION
    if _wedding(said):
        return WEDDING_QUESTION
    return None


def _born(said: list[str]) -> bool:
    return any(word in _BIRTH for word in said) and any(word in _JUST for word in said)


def _wedding(said: list[str]) -> bool:
    return any(word in _WEDDING for word in said) and any(word in _FUTURE for word in said)


def with_congratulations(answer: str, language: Language) -> str:
    return f"{CONGRATULATIONS[language]}\n{answer}"


def is_bereavement(text: str) -> bool:
    """Whether ``text`` tells of a death or asks about a funeral."""
    said = words(text)
    if any(word in _DEATH for word in said):
        return True
    return any(word in _DEAD for word in said) and any(word in _CLOSE for word in said)


def with_condolences(answer: str, language: Language) -> str:
    """The answer between condolences and the offer of a person."""
    return f"{CONDOLENCES[language]}\n\n{answer}\n\n{A_PERSON[language]}"
