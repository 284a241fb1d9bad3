"""Does a message ask for a piece of information, or for a person?

A parish's trigger words name both: "secrétariat" is where a person answers, and
what a parishioner asks about ("à quelle heure ouvre le secrétariat le
mardi ?"). Only an explicit wish to reach someone hands the conversation to a
human; a question about when, where or how to reach them is answered from the
organisation's facts (which give the office hours, the address, the number).

:func:`asks_for_information` looks for the words of such a question (times,
days, opening, address, number) in French, English, Portuguese and Spanish;
:func:`wishes` for the words of a wish ("je voudrais", "puis-je"), which keep a
request to speak with someone a request, whatever else it asks.
"""

from __future__ import annotations

from concierge_common.french.text import words

_INFORMATION = frozenset(
    {
        # when, what time, which days, open or closed
        "quand", "heure", "heures", "horaire", "horaires", "jour", "jours", "ouvert", "ouverte",
        "ouverts", "ouvre", "ouvrent", "ouverture", "ferme", "fermee", "fermes", "fermeture",
        "permanence", "permanences", "when", "time", "hours", "open", "opens", "closed",
        "quando", "horario", "horarios", "aberto", "aberta", "abre", "cuando", "abierto",
        # how long before, how much
        "longtemps", "delai", "avance", "combien",
        # where, how to reach
        "adresse", "ou", "numero", "telephone", "tel", "mail", "email", "courriel", "comment",
        "where", "address", "phone", "number", "how", "onde", "endereco", "telefone", "como",
        "donde", "direccion",
    }
)  # fmt: skip
_WISH = frozenset(
    {
        "voudrais", "voudrions", "veux", "voulons", "aimerais", "aimerions", "souhaite",
        "souhaiterais", "souhaitons", "besoin", "puis", "peux", "pourrais", "pouvez",
        "want", "would", "like", "need", "can", "could", "quero", "queria", "gostaria",
        "preciso", "quiero", "quisiera", "necesito",
    }
)  # fmt: skip


def asks_for_information(text: str) -> bool:
    """Whether ``text`` asks when, where or how (office hours, address, number)."""
    return any(word in _INFORMATION for word in words(text))


def wishes(text: str) -> bool:
    """Whether ``text`` says what the person wants ("je voudrais", "puis-je", "I need")."""
    return any(word in _WISH for word in words(text))
