"""Greetings and thanks: answered by the router itself, never sent to ai.

A bare "bonjour" deserves a welcome and the menu; a "merci !" after an answer
deserves a kind word, not an attempt to find a fact about "merci" (which would
end in a handoff).
"""

from __future__ import annotations

from concierge_common.french.text import words

_GREETINGS = frozenset(
    {"bonjour", "bonsoir", "salut", "coucou", "hello", "bjr", "slt", "hi", "hey", "ola", "oi",
     "bom", "boa", "good", "morning", "evening", "afternoon", "hola", "buenos", "buenas"}
)  # fmt: skip
_THANKS = frozenset({"merci", "mrc", "thanks", "thank", "obrigado", "obrigada", "gracias"})
_ACKS = frozenset({"ok", "okay", "oki", "dac", "accord", "super", "parfait", "top", "genial"})
# Words that may surround a greeting or thanks without adding a request.
_FILLER = frozenset(
    {
        "a", "vous", "tous", "toi", "madame", "monsieur", "mon", "pere", "soeur", "beaucoup",
        "bien", "tres", "d", "et", "encore", "bonne", "journee", "soiree", "you", "much",
        "la", "le", "l", "equipe", "paroisse", "c", "est", "note", "re", "there", "everyone",
        "all", "gente", "pessoal", "tudo", "bem", "bom", "dia", "boa", "tarde", "noite",
        "dias", "tardes", "noches", "muchas", "todos", "que", "tal",
    }
)  # fmt: skip


# Courtesy that may follow a greeting: "Bonjour, excusez-moi de vous déranger".
_COURTESY = frozenset(
    {
        "excusez", "excuse", "excuser", "moi", "de", "vous", "te", "deranger", "derange",
        "pardon", "sorry", "to", "bother", "bothering", "disturb", "desculpe", "incomodar",
        "disculpe", "perdon", "molestar", "por", "la", "molestia",
    }
)  # fmt: skip


def is_greeting(text: str) -> bool:
    """True for a message that only greets ("Bonjour !", "bonsoir à tous", "Bonjour,
    excusez-moi de vous déranger")."""
    folded = words(text)
    if not folded or folded[0] not in _GREETINGS:
        return False
    return _only([word for word in folded if word not in _COURTESY], _GREETINGS)


def is_thanks(text: str) -> bool:
    """True for a message that only thanks or acknowledges ("merci beaucoup", "ok super")."""
    folded = words(text)
    return bool(folded) and _only(folded, _THANKS | _ACKS) and not is_greeting(text)


def _only(folded: list[str], kind: frozenset[str]) -> bool:
    """Every word is of ``kind`` or filler (single letters too: "there's"), and one is of kind."""
    return all(word in kind or word in _FILLER or len(word) == 1 for word in folded) and any(
        word in kind for word in folded
    )
