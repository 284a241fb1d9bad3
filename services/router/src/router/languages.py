"""The router's fixed phrases for a person who writes in English, Portuguese or Spanish.

The router speaks French (:mod:`router.phrases`; the organisation's prompts, in
French, override its defaults). A person whose message is clearly in another
language (:func:`concierge_common.french.languages.telling`) gets the built-in
translation of the welcome, the menu's frame, the invitation and the other
short phrases below; the services' names stay the organisation's. The language
is kept in the session state, so a bare "2" after an English greeting is still
answered in English.
"""

from __future__ import annotations

from typing import Any

from concierge_common.french.languages import FRENCH, Language, telling

STATE_KEY = "language"
_KEPT: dict[str, Language] = {"en": "en", "pt": "pt", "es": "es"}

TRANSLATIONS: dict[str, dict[Language, str]] = {
    "welcome": {
        "en": "Hello and welcome! I am the parish office's assistant. How can I help you?",
        "pt": "Olá e bem-vindo! Sou o assistente da secretaria paroquial. Como posso ajudar?",
        "es": "¡Hola y bienvenido! Soy el asistente de la secretaría parroquial. "
        "¿En qué puedo ayudarle?",
    },
    "goodbye": {
        "en": "Thank you for your message and have a good day! Feel free to write again.",
        "pt": "Obrigado pela sua mensagem e bom dia! Não hesite em voltar a escrever.",
        "es": "¡Gracias por su mensaje y que tenga un buen día! No dude en volver a escribir.",
    },
    "menu_intro": {
        "en": "I can help you with:",
        "pt": "Posso ajudar com:",
        "es": "Puedo ayudarle con:",
    },
    "menu_outro": {
        "en": "Reply with the number of your choice, or ask your question directly.",
        "pt": "Responda com o número da sua escolha, ou faça diretamente a sua pergunta.",
        "es": "Responda con el número de su elección, o haga directamente su pregunta.",
    },
    "invite": {
        "en": "Very well: {label}. What is your question?",
        "pt": "Muito bem: {label}. Qual é a sua pergunta?",
        "es": "Muy bien: {label}. ¿Cuál es su pregunta?",
    },
    "not_understood": {
        "en": "I did not quite understand your request.",
        "pt": "Não compreendi bem o seu pedido.",
        "es": "No he entendido bien su solicitud.",
    },
    "reserved": {
        "en": "This service is reserved for certain members of the parish.",
        "pt": "Este serviço está reservado a algumas pessoas da paróquia.",
        "es": "Este servicio está reservado a algunas personas de la parroquia.",
    },
    # The code step (:mod:`router.verification`): the organisation's prompts are in French.
    "ask_code": {
        "en": "This service is for people who have a code. Please send me yours (you "
        "received it when you registered).",
        "pt": "Este serviço está reservado às pessoas que têm um código. Envie-me o seu, por "
        "favor (foi-lhe entregue na inscrição).",
        "es": "Este servicio está reservado a las personas que tienen un código. Envíeme el "
        "suyo, por favor (se le entregó en la inscripción).",
    },
    "code_accepted": {
        "en": "Thank you, your code is recognised. What would you like to know?",
        "pt": "Obrigado, o seu código foi reconhecido. O que deseja saber?",
        "es": "Gracias, su código ha sido reconocido. ¿Qué desea saber?",
    },
    "code_rejected": {
        "en": "I do not recognise this code. Please check it and send it again.",
        "pt": "Não reconheço este código. Verifique-o e envie-o de novo.",
        "es": "No reconozco este código. Compruébelo y envíelo de nuevo.",
    },
    "no_code_seen": {
        "en": "I did not find a code in your message.",
        "pt": "Não encontrei nenhum código na sua mensagem.",
        "es": "No encontré ningún código en su mensaje.",
    },
    "attempts_left": {
        "en": "Attempts left: {n}.",
        "pt": "Tentativas restantes: {n}.",
        "es": "Intentos restantes: {n}.",
    },
    "thanks": {
        "en": "You are welcome! Feel free to ask if you have another question.",
        "pt": "De nada! Se tiver outra pergunta, é só escrever.",
        "es": "¡De nada! Si tiene otra pregunta, no dude en escribir.",
    },
}


def of_turn(text: str, state: dict[str, Any]) -> Language:
    """The turn's language: the one its text is clearly in (kept in ``state``), else the
    one kept from an earlier turn, else French."""
    found = telling(text)
    if found is not None:
        if found == FRENCH:
            state.pop(STATE_KEY, None)  # French is the default: nothing to keep
        else:
            state[STATE_KEY] = found
        return found
    return _KEPT.get(str(state.get(STATE_KEY)), FRENCH)


def translated(key: str, language: Language) -> str | None:
    """The phrase ``key`` in ``language``; None for French (the router's own texts)."""
    if language == FRENCH:
        return None
    return TRANSLATIONS[key][language]
