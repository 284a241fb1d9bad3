"""A question about a price is answered only by a fact that states one.

"Combien coûte un baptême ?" shares its words with the baptism facts, and the
ranking finds them; but if none of them gives a price, answering with them says
nothing of what was asked. A price is an amount in some currency ("CHF 60.–",
"9 €", "15 francs"), or a word saying there is none to pay or that it is left to
the giver ("gratuit", "aucun frais", "offrande libre"). A question asks a price
with a word of cost ("prix", "coûte", "tarif", "frais"...) or with "combien" not
followed by what is counted ("combien de temps", "combien y a-t-il de places" ask
for a duration and a number; "c'est combien ?", "combien gagne le curé ?" for an
amount).
"""

from __future__ import annotations

import re

from ai.lexicon import document_terms, question_terms, relatedness
from concierge_common.french.text import stem, words

_COST_WORDS = frozenset(
    {"prix", "tarif", "tarifs", "cout", "couts", "coute", "coutent", "couter", "payant",
     "payante", "frais", "debourser", "debourse", "price", "prices", "cost", "costs", "fee",
     "fees", "rate", "rates", "custa",
     "custam", "custo", "preco", "precos", "cuesta", "cuestan", "precio", "precios"}
)  # fmt: skip
# "How much", unless what is counted follows: "combien de temps", "cuánto tiempo".
_HOW_MUCH = frozenset({"combien", "cb", "cmb", "quanto", "quanta", "cuanto", "cuanta"})
_COUNTED = frozenset({"de", "d", "tempo", "tiempo", "dias", "anos"})
_COUNTED_WITHIN = 5  # words after "combien" where "de" says what is counted
_AMOUNT = re.compile(
    r"[€$£]|\d\s*\.[–-]|\b(?:eur|euros?|chf|francs?|fr\.\s*\d|dollars?|reais|real)\b",
    re.IGNORECASE,
)
_FREE_WORDS = frozenset(
    {"gratuit", "gratuite", "gratuits", "gratuites", "gratuitement", "offert", "offerte",
     "offrande", "offrandes", "free", "gratis", "gratuito", "gratuita"}
)  # fmt: skip
_SENTENCE = re.compile(r"[^.!?\n]+")
_FREE_PHRASES = ("aucun frais", "sans frais", "pas facture", "participation libre",
                 "libre participation", "prix libre")  # fmt: skip


def asks_price(question: str) -> bool:
    """Whether ``question`` asks how much something costs."""
    said = words(question)
    if _COST_WORDS.intersection(said):
        return True
    return any(
        word in _HOW_MUCH and not _COUNTED.intersection(said[i + 1 : i + 1 + _COUNTED_WITHIN])
        for i, word in enumerate(said)
    )


def states_price(text: str) -> bool:
    """Whether ``text`` gives a price: an amount, or that nothing (or what one wishes) is
    paid."""
    if _AMOUNT.search(text):
        return True
    said = words(text)
    if _FREE_WORDS.intersection(said):
        return True
    joined = " ".join(said)
    return any(phrase in joined for phrase in _FREE_PHRASES)


def prices_subject(question: str, title: str, service: str, content: str) -> bool:
    """Whether the fact (``title``, ``service``, ``content``) states the price that
    ``question`` asks: a price stated in a sentence that, with the title and the service,
    names a word of the question's subject (any price when the question names none)."""
    subject = _subject(question)
    things = [term for term in subject if term not in _WHO]
    subject = things or subject
    priced = [s for s in _SENTENCE.findall(content) if states_price(s)]
    if states_price(title):
        priced.append("")
    if not priced or not subject:
        return bool(priced)
    return any(_names(subject, f"{title} {service} {sentence}") for sentence in priced)


_PRICE_TERMS = frozenset(stem(word) for word in _COST_WORDS | _HOW_MUCH)
# Whom a price is for, in the four languages.
_WHO = frozenset(
    stem(word)
    for word in words(
        "enfant enfants fils fille filles bebe bb nourrisson adulte adultes personne personnes "
        "famille familles parent parents jeune jeunes child children kid kids son daughter "
        "adult adults family person people crianca criancas filho filha adulto adultos "
        "familia pessoa nino nina ninos hijo hija persona"
    )
)


def _subject(question: str) -> list[str]:
    content, _ = question_terms(question)
    return [term for term in content if term not in _PRICE_TERMS and not term.isdigit()]


def _names(subject: list[str], text: str) -> bool:
    terms = set(document_terms(text))
    return any(relatedness(asked, term) > 0 for asked in subject for term in terms)
