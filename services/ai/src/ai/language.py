"""The language a person writes in, and what ai says in it without a model.

Claude answers in the person's language by itself (its instructions say so). The
offline answerer cannot translate a fact, so it keeps the fact in French and
puts one line before it in the person's language, saying so; its fixed phrases
(welcome, apologies) are written here in each language.

:func:`written_in` recognises French, English, Portuguese and Spanish by their
small everyday words (question words, articles, greetings, a parish's nouns).
A word two of these languages share ("que", "domingo") tells nothing and is
left out. A message with no telling word, or as many for two languages, is
taken as French: the organisation's language, and most people's.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from concierge_common.french.text import words

Language = Literal["fr", "en", "pt", "es"]
FRENCH: Language = "fr"

_TELLING: dict[Language, str] = {
    "fr": (
        "le la les du des est et je vous nous mon ma mes votre quelle quel quelles quels "
        "heure messe eglise dimanche bonjour merci pour avec dans sur quand comment bapteme "
        "mariage enfant fils fille peut ou est-ce c qu il elle sont"
    ),
    "en": (
        "the what when where which who how is are was time times mass church hello hi please "
        "thanks thank you your my i can could would there of to at for with christening "
        "baptism wedding funeral child son daughter parish office open"
    ),
    "pt": (
        "ola bom boa dia tarde noite horas missa igreja obrigado obrigada quando onde como "
        "posso gostaria meu minha filho filha batizado batismo casamento nao voce esta tem "
        "uma um das dos sao paroquia aberta pai mae"
    ),
    "es": (
        "hola buenos buenas dias hora misa iglesia gracias cuando donde como puedo quisiera "
        "mi hijo hija bautizo boda usted hay tiene una un del es esta son parroquia oficina "
        "abierta el los las cual padre madre fallecido fallecio murio confesar confesarme"
    ),
}


def _telling() -> dict[str, Language]:
    """Each word that belongs to exactly one of the languages, and that language."""
    seen = Counter(word for text in _TELLING.values() for word in set(text.split()))
    return {
        word: language
        for language, text in _TELLING.items()
        for word in text.split()
        if seen[word] == 1
    }


_WORD_LANGUAGE = _telling()


def written_in(text: str) -> Language:
    """The language of ``text``: the one with most telling words, French when unclear."""
    counts = Counter(
        _WORD_LANGUAGE[word] for word in words(text) if word in _WORD_LANGUAGE
    ).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return FRENCH
    return counts[0][0]


# Before a French fact given to someone who wrote in another language.
LEAD: dict[Language, str] = {
    "fr": "",
    "en": "Here is what I found (our information is written in French):",
    "pt": "Eis o que encontrei (as nossas informações estão em francês):",
    "es": "Esto es lo que encontré (nuestra información está en francés):",
}


def with_lead(text: str, language: Language) -> str:
    """``text`` (in French) after the lead line of ``language``, if it is not French."""
    lead = LEAD[language]
    return f"{lead}\n{text}" if lead else text


# ai's fixed phrases, by key; French first, the organisation's language.
PHRASES: dict[str, dict[Language, str]] = {
    "welcome": {
        "fr": "Bonjour et bienvenue ! Je suis l'assistant de la paroisse. "
        "Quelle est votre question ?",
        "en": "Hello and welcome! I am the parish's assistant. What is your question?",
        "pt": "Olá e bem-vindo! Sou o assistente da paróquia. Qual é a sua pergunta?",
        "es": "¡Hola y bienvenido! Soy el asistente de la parroquia. ¿Cuál es su pregunta?",
    },
    "you_are_welcome": {
        "fr": "Avec plaisir ! N'hésitez pas si vous avez une autre question.",
        "en": "You are welcome! Feel free to ask if you have another question.",
        "pt": "De nada! Se tiver outra pergunta, é só escrever.",
        "es": "¡De nada! Si tiene otra pregunta, no dude en escribir.",
    },
    "no_sure_information": {
        "fr": "Je n'ai pas trouvé d'information sûre pour vous répondre.",
        "en": "I did not find reliable information to answer you.",
        "pt": "Não encontrei informação segura para lhe responder.",
        "es": "No encontré información segura para responderle.",
    },
    "unavailable": {
        "fr": "Je ne peux pas vous répondre moi-même pour le moment.",
        "en": "I cannot answer you myself at the moment.",
        "pt": "Não posso responder-lhe eu mesmo neste momento.",
        "es": "No puedo responderle yo mismo en este momento.",
    },
    "delicate": {
        "fr": "Merci de nous avoir écrit. Une personne de la paroisse est mieux placée pour "
        "vous répondre.",
        "en": "Thank you for writing to us. Someone from the parish is better placed to "
        "answer you.",
        "pt": "Obrigado por nos ter escrito. Uma pessoa da paróquia poderá responder-lhe melhor.",
        "es": "Gracias por escribirnos. Una persona de la parroquia podrá responderle mejor.",
    },
}


def phrase(key: str, language: Language) -> str:
    """ai's phrase ``key`` in ``language``."""
    return PHRASES[key][language]
