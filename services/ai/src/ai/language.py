"""What ai says without a model, in the person's language.

Claude answers in the person's language by itself (its instructions say so). The
offline answerer cannot translate a fact, so it keeps the fact in French and
puts one line before it in the person's language, saying so; its fixed phrases
(welcome, apologies) are written here in each language. Which language a text is
in: :mod:`concierge_common.french.languages`.
"""

from __future__ import annotations

from concierge_common.french.languages import FRENCH, Language, written_in

__all__ = ["FRENCH", "LEAD", "PHRASES", "Language", "phrase", "with_lead", "written_in"]

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
