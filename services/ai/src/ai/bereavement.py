"""A death in the family: answered with condolences, the concrete next step, and a person.

"Mon père est décédé cette nuit, on fait comment ?" is one of the most important
messages a parish receives. The offline answerer gives what the facts say about
funerals like any answer, but never bare: condolences first, the fact, then
the offer of a person. When no fact answers, the message goes to a human with
a gentle word (reason ``ai_sensitive``), never with "no reliable information".

The words are those of a death or a funeral, in French (plain and SMS
spellings), English, Portuguese and Spanish; "mort" or "disparu" alone is not
enough (the death of Christ is in every Holy Week fact, a cat may be missing):
it needs a relative or a time.
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
    {"mort", "morte", "disparu", "disparue", "dead", "passed", "morreu", "muerto", "muerta"}
)
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


def is_bereavement(text: str) -> bool:
    """Whether ``text`` tells of a death or asks about a funeral."""
    said = words(text)
    if any(word in _DEATH for word in said):
        return True
    return any(word in _DEAD for word in said) and any(word in _CLOSE for word in said)


def with_condolences(answer: str, language: Language) -> str:
    """The answer between condolences and the offer of a person."""
    return f"{CONDOLENCES[language]}\n\n{answer}\n\n{A_PERSON[language]}"
