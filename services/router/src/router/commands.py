"""Commands a person may type at any time, whatever the conversation's state.

They are recognised on the folded text (case, accents and punctuation do not
matter) when the whole message is the command ("Menu !", "STOP"), and, for the
request of a human, also inside a short sentence ("je voudrais parler à
quelqu'un svp"). Naming a person to reach inside a question about when, where
or how to reach them ("comment contacter le secrétariat ?", "le curé reçoit
quel jour ?") is not a request of a human but a question for the facts, unless
the person also says they want to ("je voudrais voir le curé, quand est-il
là ?"): :mod:`router.asking`.
"""

from __future__ import annotations

import enum

from concierge_common.french.text import words
from router.asking import asks_for_information, wishes


class Command(enum.Enum):
    MENU = "menu"
    STOP = "stop"
    HUMAN = "human"


_WHOLE: dict[str, Command] = {
    "menu": Command.MENU,
    "le menu": Command.MENU,
    "retour": Command.MENU,
    "retour au menu": Command.MENU,
    "recommencer": Command.MENU,
    "0": Command.MENU,
    "stop": Command.STOP,
    "arret": Command.STOP,
    "arreter": Command.STOP,
    "fin": Command.STOP,
    "terminer": Command.STOP,
    "au revoir": Command.STOP,
    "humain": Command.HUMAN,
    "un humain": Command.HUMAN,
    "agent": Command.HUMAN,
    "operateur": Command.HUMAN,
    "conseiller": Command.HUMAN,
}
# Phrases that ask for a human inside a longer message, as folded word sequences.
_HUMAN_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "parler a quelqu un",
        "parler a une personne",
        "parler a un humain",
        "parler a une vraie personne",
        "parler au secretariat",
        "parler a l accueil",
        "une vraie personne",
        "un etre humain",
        "un humain",
        "talk to someone",
        "talk to a human",
        "talk to a person",
        "speak to someone",
        "speak to a person",
        "falar com alguem",
        "falar com uma pessoa",
        "falar com um humano",
        "hablar con alguien",
        "hablar con una persona",
        "hablar con un humano",
        "mettre en relation",
        "mis en relation",
        "mise en relation",
        "en relation avec",
        "en contact avec",
        "me rappeler",
        "me rappelle",
        "etre rappele",
        "etre rappelee",
        "call me back",
        "real person",
        "a human",
        "human being",
        "pessoa real",
        "um humano",
        "persona real",
        "un humano",
        "passez moi quelqu un",
        "passer quelqu un",
    )
)
# "parler à/au/avec <a person>": the person wants a human, whoever they name.
_SPEAK = frozenset(
    {"parler", "discuter", "voir", "rencontrer", "joindre", "contacter", "appeler", "recevoir",
     "falar", "hablar", "speak", "talk", "call", "meet"}
)  # fmt: skip
_PERSON = frozenset(
    {
        "quelqu", "personne", "humain", "cure", "pretre", "pere", "secretariat", "secretaire",
        "accueil", "responsable", "diacre", "soeur", "conseiller", "quelquun", "pessoa",
        "persona", "person", "someone", "priest", "padre", "sacerdote", "alguem", "alguien",
        "parroco", "paroco", "cura", "vicar", "pastor",
    }
)  # fmt: skip
_SPEAK_REACH = 4  # words between the verb and the person
_SHORT = 12  # words, courtesy aside: longer messages are questions, not commands
# Politeness around a request does not make it a question ("Bonjour, excusez-moi de vous
# déranger, pourrais-je parler à quelqu'un s'il vous plaît ?").
_COURTESY = frozenset(
    {"bonjour", "bonsoir", "excusez", "excuse", "moi", "de", "vous", "deranger", "derange",
     "s", "il", "plait", "svp", "stp", "merci", "d", "avance", "madame", "monsieur", "hello",
     "hi", "please", "sorry", "thanks", "thank", "you", "ola", "hola", "por", "favor",
     "desculpe", "disculpe", "obrigado", "obrigada", "gracias"}
)  # fmt: skip
# During a handoff, these give the conversation back to the assistant.
_CANCEL = frozenset({"menu", "annuler", "annule", "stop", "bot", "assistant", "robot"})


def detect(text: str) -> Command | None:
    """The command ``text`` is, or ``None``."""
    folded = words(text)
    whole = _WHOLE.get(" ".join(folded))
    if whole is not None:
        return whole
    if sum(word not in _COURTESY for word in folded) > _SHORT:
        return None
    if any(_contains(folded, phrase) for phrase in _HUMAN_PHRASES):
        return Command.HUMAN
    if _asks_to_speak(folded) and (wishes(text) or not asks_for_information(text)):
        return Command.HUMAN
    return None


def _asks_to_speak(folded: list[str]) -> bool:
    """ "parler au curé", "je voudrais voir un prêtre", "contacter le secrétariat"."""
    return any(
        word in _SPEAK and any(w in _PERSON for w in folded[i + 1 : i + 1 + _SPEAK_REACH])
        for i, word in enumerate(folded)
    )


def is_cancel(text: str) -> bool:
    """True when a person in a handoff asks to get back to the assistant."""
    return " ".join(words(text)) in _CANCEL


def _contains(message: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(message[i : i + size]) == phrase for i in range(len(message) - size + 1))
