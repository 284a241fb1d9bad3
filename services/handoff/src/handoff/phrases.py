"""The texts of the human takeover: for the person, and for the staff chat (in French).

Person-facing texts have built-in defaults here, translated for a person who
wrote in English, Portuguese or Spanish; the store's CONTACT_HUMAIN
prompts override them (:mod:`handoff.prompts`). Two placeholders may appear
in any of them: ``{horaires}`` (the office hours, in words) and ``{prochaine}``
(when the next opening starts). Staff-facing texts are built here only; they
name a person by their WhatsApp display name, never by their number.
"""

from __future__ import annotations

from datetime import datetime

from concierge_common.contracts.messages import MessageReceived
from concierge_common.contracts.store_api import HandoffView
from concierge_common.french.languages import Language
from handoff.business_hours import BusinessHours

# --- person-facing ----------------------------------------------------------------------

STARTED = "handoff_started"
OUTSIDE_HOURS = "outside_hours"
ENDED = "handoff_ended"
NO_STAFF_YET = "no_staff_yet"
AFTER_END = "back_with_bot"
RELAYED = "relayed_to_staff"

PERSON_DEFAULTS: dict[str, str] = {
    STARTED: (
        "Je transmets votre demande à l'accueil paroissial. Une personne vous répondra ici"
        " dès que possible, aux heures de permanence ({horaires})."
    ),
    OUTSIDE_HOURS: (
        "L'accueil paroissial est actuellement fermé. Votre message a bien été transmis :"
        " une personne vous répondra dès la prochaine permanence ({prochaine})."
    ),
    ENDED: (
        "La conversation avec l'accueil paroissial est terminée. Je reste à votre disposition"
        " si vous avez une autre question."
    ),
    NO_STAFF_YET: (
        "Personne de l'accueil n'a encore pu vous répondre, mais votre demande reste bien en"
        " attente : une personne vous répondra ici aux heures de permanence ({horaires})."
        " Vous pouvez écrire « menu » pour revenir à l'assistant."
    ),
    AFTER_END: (
        "La conversation avec l'accueil paroissial vient de se terminer : votre dernier message"
        " ne lui a pas été transmis. Je reste à votre disposition, pouvez-vous me reposer"
        " votre question ?"
    ),
    RELAYED: "Votre message a bien été transmis à l'accueil paroissial.",
}

# The same texts for a person who wrote in another language (the organisation's prompts,
# in French, are not translated: these built-in ones are used instead).
PERSON_TRANSLATIONS: dict[str, dict[Language, str]] = {
    STARTED: {
        "en": "I am passing your request on to the parish office. Someone will answer you"
        " here as soon as possible, during office hours ({horaires}).",
        "pt": "Vou transmitir o seu pedido à secretaria paroquial. Uma pessoa irá"
        " responder-lhe aqui assim que possível, no horário de atendimento ({horaires}).",
        "es": "Transmito su solicitud a la secretaría parroquial. Una persona le responderá"
        " aquí lo antes posible, en horario de atención ({horaires}).",
    },
    OUTSIDE_HOURS: {
        "en": "The parish office is closed at the moment. Your message has been passed on:"
        " someone will answer you when it next opens ({prochaine}).",
        "pt": "A secretaria paroquial está fechada neste momento. A sua mensagem foi"
        " transmitida: uma pessoa irá responder-lhe na próxima abertura ({prochaine}).",
        "es": "La secretaría parroquial está cerrada en este momento. Su mensaje ha sido"
        " transmitido: una persona le responderá en la próxima apertura ({prochaine}).",
    },
    ENDED: {
        "en": "The conversation with the parish office has ended. I remain at your service"
        " if you have another question.",
        "pt": "A conversa com a secretaria paroquial terminou. Continuo ao seu dispor se"
        " tiver outra pergunta.",
        "es": "La conversación con la secretaría parroquial ha terminado. Sigo a su"
        " disposición si tiene otra pregunta.",
    },
    NO_STAFF_YET: {
        "en": "Nobody from the parish office has been able to answer you yet, but your"
        " request is still waiting: someone will answer you here during office hours"
        " ({horaires}). You can write « menu » to go back to the assistant.",
        "pt": "Ainda ninguém da secretaria lhe pôde responder, mas o seu pedido continua em"
        " espera: uma pessoa irá responder-lhe aqui no horário de atendimento ({horaires})."
        " Pode escrever « menu » para voltar ao assistente.",
        "es": "Nadie de la secretaría ha podido responderle todavía, pero su solicitud sigue"
        " en espera: una persona le responderá aquí en horario de atención ({horaires})."
        " Puede escribir « menu » para volver al asistente.",
    },
    AFTER_END: {
        "en": "The conversation with the parish office has just ended: your last message was"
        " not passed on. I remain at your service: could you ask me your question again?",
        "pt": "A conversa com a secretaria paroquial acabou de terminar: a sua última"
        " mensagem não foi transmitida. Continuo ao seu dispor: pode repetir a sua pergunta?",
        "es": "La conversación con la secretaría parroquial acaba de terminar: su último"
        " mensaje no fue transmitido. Sigo a su disposición: ¿puede repetirme su pregunta?",
    },
    RELAYED: {
        "en": "Your message has been passed on to the parish office.",
        "pt": "A sua mensagem foi transmitida à secretaria paroquial.",
        "es": "Su mensaje ha sido transmitido a la secretaría parroquial.",
    },
}


def render(template: str, hours: BusinessHours, at: datetime, language: Language = "fr") -> str:
    """Fill the placeholders (plain replacement: a stray brace in a prompt is harmless),
    the hours said in ``language``."""
    text = template.replace("{horaires}", hours.describe(language))
    if "{prochaine}" in text:
        text = text.replace("{prochaine}", hours.describe_next(at, language))
    return text


# --- staff-facing -----------------------------------------------------------------------

SUMMARY_CHARS = 500
_LIST_EXCERPT_CHARS = 60

_REASONS = {
    "person_asked": "la personne demande à parler à quelqu'un",
    "person": "la personne demande à parler à quelqu'un",
    "asked": "la personne demande à parler à quelqu'un",
    "person_request": "la personne demande à parler à quelqu'un",
    "contact_humain": "la personne demande à parler à quelqu'un",
    "no_matching_information": "l'assistant n'a pas trouvé de réponse",
    "no_answer": "l'assistant n'a pas trouvé de réponse",
    "ai": "l'assistant n'a pas su répondre",
    "code_lockout": "trop de codes parents erronés (catéchèse)",
    "lockout": "trop de codes parents erronés (catéchèse)",
    "error": "une erreur technique de l'assistant",
    "processing_error": "une erreur technique de l'assistant",
    "delivery_failed": "WhatsApp a refusé de remettre une réponse",
    "ai_unavailable": "l'assistant (Claude) est indisponible",
    "ai_spend_limit": "le budget de l'assistant (Claude) est atteint",
    "ai_refusal": "l'assistant a refusé de répondre (sujet sensible ?)",
    "ai_unsure": "l'assistant n'était pas sûr de sa réponse",
    "ai_rejected": "la réponse de l'assistant n'a pas passé les contrôles",
    "ai_sensitive": "une situation délicate : mieux vaut une personne",
    "ai_routed": "l'assistant propose qu'une personne s'en occupe",
    "operator_replied": "réponse donnée depuis le téléphone de l'accueil",
    "operator": "réponse donnée depuis le téléphone de l'accueil",
}
_STATES = {
    "requested": "en attente",
    "assigned": "prise en charge",
    "active": "en cours",
    "returned": "rendue à l'assistant",
    "closed": "close",
}
_MEDIA = {
    "image": "une photo",
    "audio": "un message vocal",
    "voice": "un message vocal",
    "video": "une vidéo",
    "document": "un document",
    "location": "une localisation",
    "contact": "une fiche contact",
    "sticker": "un autocollant",
}
_RETURN_CAUSES = {
    "staff": "rendue à l'assistant par {name}",
    "api": "rendue à l'assistant par {name} (console)",
    "timeout": "rendue à l'assistant faute d'activité",
    "person": "rendue à l'assistant : la personne a choisi d'y revenir",
}

HELP = (
    "Commandes de l'accueil :\n"
    "• H1234 votre réponse : répondre à la demande H1234\n"
    "• H1234 prendre : la prendre en charge\n"
    "• H1234 fin : rendre la conversation à l'assistant\n"
    "• H1234 clore : clore la demande\n"
    "• H1234 : voir où en est la demande\n"
    "• liste : les demandes ouvertes\n"
    "• aide : ce message"
)


def reason_text(reason: str, requested_by: str = "") -> str:
    """The reason of a handoff in French (the raw code when unknown: never personal)."""
    return _REASONS.get(reason.lower()) or _REASONS.get(requested_by.lower()) or reason


def state_text(state: str) -> str:
    return _STATES.get(state, state)


def who(name: str) -> str:
    return name.strip() or "(nom inconnu)"


def excerpt(text: str, limit: int = SUMMARY_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def alert(handoff: HandoffView, name: str, summary: str) -> str:
    ref = handoff.reference
    lines = [
        f"🔔 Nouvelle demande {ref}",
        f"Motif : {reason_text(handoff.reason, handoff.requested_by)}",
        f"De : {who(name)}",
    ]
    if summary.strip():
        lines.append(f"Message : {excerpt(summary)}")
    lines.append(
        f"Pour répondre : « {ref} votre réponse ». « {ref} prendre » pour la prendre en charge,"
        f" « {ref} fin » pour la rendre à l'assistant, « aide » pour les commandes."
    )
    return "\n".join(lines)


def alert_without_handoff(reason: str, name: str, summary: str) -> str:
    """A request that the store has no open handoff for: staff can only answer by phone."""
    lines = [
        f"🔔 Demande transmise (motif : {reason_text(reason)})",
        f"De : {who(name)}",
    ]
    if summary.strip():
        lines.append(f"Message : {excerpt(summary)}")
    lines.append("Aucun dossier n'est ouvert : répondez depuis le téléphone de l'accueil.")
    return "\n".join(lines)


def relay(reference: str, name: str, inbound: MessageReceived) -> str:
    if inbound.kind == "text":
        return f"[{reference}] {who(name)} : {inbound.text}"
    what = _MEDIA.get(inbound.kind, "un fichier")
    caption = f" : {inbound.text}" if inbound.text.strip() else ""
    return f"[{reference}] {who(name)} a envoyé {what}{caption} ({_where(inbound)})"


def _where(inbound: MessageReceived) -> str:
    """Where staff find the file: joined to the relay when the gateway kept it."""
    media = inbound.media
    if media is not None and media.storage_key:
        return "fichier joint"
    if media is not None and media.error:
        return "le fichier n'a pas pu être reçu ; demandez-le à nouveau"
    return "à consulter sur le téléphone de l'accueil"


def returned(reference: str, cause: str, name: str) -> str:
    template = _RETURN_CAUSES.get(cause, "rendue à l'assistant")
    return f"[{reference}] Conversation {template.format(name=name)}."


def incident(reference: str, name: str, text: str) -> str:
    """Staff alert for a message the concierge could not handle (a dead letter)."""
    where = f"[{reference}] " if reference else ""
    return (
        f"⚠️ {where}Incident technique : un message de {who(name)} n'a pas pu être traité "
        f"par l'assistant. Message : « {excerpt(text)} ». Merci de lui répondre."
    )


def undelivered(reference: str, text: str, *, in_doubt: bool = False) -> str:
    """Staff alert: WhatsApp refused a reply for good (or never confirmed sending it)."""
    where = f"[{reference}] " if reference else ""
    if in_doubt:
        return (
            f"⚠️ {where}Message peut-être non remis : WhatsApp n'a jamais confirmé l'envoi"
            " de cette réponse, la personne ne l'a peut-être pas reçue."
            f" Message : « {excerpt(text)} ». Merci de vérifier dans la conversation et de la"
            " lui renvoyer si besoin."
        )
    return (
        f"⚠️ {where}Message non remis : WhatsApp a refusé d'envoyer cette réponse, la personne"
        f" ne l'a pas reçue. Message : « {excerpt(text)} ». Merci de la recontacter autrement"
        " (appel, e-mail) si possible."
    )


def staff_reply_undelivered(text: str, *, in_doubt: bool = False) -> str:
    """Staff alert: WhatsApp refused a staff answer to a person (or never confirmed it)."""
    if in_doubt:
        return (
            "⚠️ Votre réponse n'a peut-être pas été remise : WhatsApp n'a jamais confirmé"
            f" son envoi. Message : « {excerpt(text)} ». Merci de vérifier dans la"
            " conversation et de la renvoyer si besoin."
        )
    return (
        "⚠️ Votre réponse n'a pas pu être remise : WhatsApp a refusé de l'envoyer."
        f" Message : « {excerpt(text)} ». Merci de recontacter la personne autrement"
        " (appel, e-mail) si possible."
    )


def closed(reference: str, name: str) -> str:
    return f"[{reference}] Demande close par {name}."


def assigned(reference: str, name: str) -> str:
    return f"[{reference}] Prise en charge par {name}."


def reply_copy(reference: str, name: str, text: str) -> str:
    """A console answer, copied to the staff chat so the team sees it."""
    return f"[{reference}] Réponse de {name} (console) : {text}"


def listing(handoffs: list[HandoffView], now: datetime) -> str:
    if not handoffs:
        return "Aucune demande ouverte."
    lines = [f"Demandes ouvertes ({len(handoffs)}) :"]
    for handoff in handoffs:
        owner = f", {handoff.assigned_to}" if handoff.assigned_to else ""
        summary = excerpt(handoff.summary, _LIST_EXCERPT_CHARS)
        lines.append(
            f"• {handoff.reference} — {state_text(handoff.state)}{owner},"
            f" {ago(handoff.created_at, now)} — {summary or reason_text(handoff.reason)}"
        )
    return "\n".join(lines)


def show(handoff: HandoffView, now: datetime) -> str:
    owner = f"\nPrise en charge : {handoff.assigned_to}" if handoff.assigned_to else ""
    summary = f"\nMessage : {excerpt(handoff.summary)}" if handoff.summary.strip() else ""
    return (
        f"[{handoff.reference}] {state_text(handoff.state)}, ouverte {ago(handoff.created_at, now)}"
        f"\nMotif : {reason_text(handoff.reason, handoff.requested_by)}{owner}{summary}"
    )


def ago(then: datetime, now: datetime) -> str:
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 1:
        return "à l'instant"
    if minutes < 60:
        return f"il y a {minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"il y a {hours} h"
    return f"il y a {hours // 24} jours"


def unknown() -> str:
    return "Je n'ai pas compris ce message.\n" + HELP


def not_found(reference: str) -> str:
    return f"Aucune demande {reference}. Tapez « liste » pour voir les demandes ouvertes."


def conflict(reference: str, state: str) -> str:
    return (
        f"La demande {reference} est {state_text(state)} : cette action n'est plus possible."
        " Tapez « liste » pour voir les demandes ouvertes."
    )


def only_text(reference: str) -> str:
    return f"[{reference}] Seuls les messages texte peuvent être transmis à la personne."
