"""What the router says, in French (some of it translated: :mod:`router.languages`).

Staff can change most texts through the services' context prompts (admin API):
the keys below are looked up in the catalog first (:meth:`Catalog.prompt`),
and these defaults are used only when no service defines them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from concierge_common.french.languages import FRENCH, Language
from router.catalog import Catalog, Service
from router.languages import translated

DEFAULTS: dict[str, str] = {
    "welcome": (
        "Bonjour et bienvenue ! Je suis l'assistant de l'accueil. Comment puis-je vous aider ?"
    ),
    "ask_code": (
        "Ce service est réservé aux personnes qui ont un code. Merci de m'envoyer le vôtre "
        "(il vous a été remis lors de l'inscription)."
    ),
    "code_accepted": "Merci, votre code est bien reconnu. Que souhaitez-vous savoir ?",
    "code_rejected": "Je ne reconnais pas ce code. Vérifiez-le et renvoyez-le.",
    "goodbye": "Merci de votre message et belle journée ! N'hésitez pas à nous réécrire.",
}
MENU_INTRO = "Je peux vous aider pour :"
MENU_OUTRO = "Répondez par le numéro de votre choix, ou posez directement votre question."
INVITE = "Très bien : {label}. Quelle est votre question ?"
RESERVED = "Ce service est réservé à certaines personnes de la paroisse."
NOT_UNDERSTOOD = "Je n'ai pas bien compris votre demande."
ATTEMPTS_LEFT = "Il vous reste {n} essai{s}."
LOCKED = (
    "Trop de codes erronés : par sécurité, je ne peux plus vérifier de code avant {until}. "
    "Je transmets votre demande à l'accueil, qui pourra vous aider."
)
STILL_LOCKED = "Par sécurité, je ne peux pas vérifier de code avant {until}."
PAUSED = (
    "Par sécurité, la vérification des codes est momentanément suspendue. Vous pourrez "
    "renvoyer votre code après {until}, ou contacter l'accueil paroissial."
)
# What a code looks like is the organisation's to say, in its "ask_code" prompt that follows.
NO_CODE_SEEN = "Je n'ai pas trouvé de code dans votre message."

# Files a person sends (issue 6). How to reach a person: the "humain" command.
ASK_A_PERSON = "Pour parler à une personne de l'accueil, écrivez « humain »."
MEDIA_TOO_LARGE = "Je n'ai pas pu recevoir votre fichier : il est trop volumineux."
MEDIA_TYPE_REFUSED = "Je n'ai pas pu recevoir votre fichier : je n'accepte pas ce type de fichier."
MEDIA_UNAVAILABLE = "Je n'ai pas pu récupérer votre fichier. Pouvez-vous le renvoyer ?"
WRITE_INSTEAD = "Pouvez-vous m'écrire votre question en quelques mots ?"
VOICE_NOTE = (
    "Merci pour votre message vocal. Je ne peux pas encore écouter les messages vocaux : "
    "pouvez-vous m'écrire votre question ? " + ASK_A_PERSON
)
FILE_RECEIVED = "J'ai bien reçu votre {what}, merci. Que puis-je faire pour vous ?"
CANNOT_USE = "Merci pour votre {what}, mais je ne sais pas m'en servir. " + WRITE_INSTEAD


# Cost and abuse limits (issue 14, item 6): told once an hour, at the first refused message.
OVER_BUDGET = {
    "person": (
        "Vous m'avez envoyé beaucoup de messages en peu de temps. Je vous répondrai de "
        "nouveau après {until}. Pour une urgence, contactez directement l'accueil paroissial."
    ),
    "channel": (
        "Je reçois beaucoup de messages en ce moment et ne peux pas vous répondre tout de "
        "suite. Merci de m'écrire de nouveau après {until}."
    ),
    "relay": (
        "Vous avez envoyé beaucoup de messages à l'accueil en peu de temps : les suivants "
        "lui seront transmis après {until}. Merci de votre patience."
    ),
}


def text(catalog: Catalog, key: str, *services: str) -> str:
    """The prompt ``key`` of the first of ``services`` that has one, else the default."""
    return catalog.prompt(key, *services) or DEFAULTS[key]


def menu(offered: list[Service], language: Language = FRENCH) -> str:
    """A numbered menu of ``offered`` services, its frame in ``language``."""
    lines = [translated("menu_intro", language) or MENU_INTRO]
    lines += [f"{number}. {service.label}" for number, service in enumerate(offered, 1)]
    lines.append(translated("menu_outro", language) or MENU_OUTRO)
    return "\n".join(lines)


def attempts_left(count: int, language: Language = FRENCH) -> str:
    translated_ = translated("attempts_left", language)
    if translated_ is not None:
        return translated_.format(n=count)
    return ATTEMPTS_LEFT.format(n=count, s="s" if count > 1 else "")


def in_language(catalog: Catalog, key: str, language: Language, *services: str) -> str:
    """The prompt ``key`` in ``language``: the built-in translation for a person who writes
    in another language (the organisation's prompts are in French), else :func:`text`."""
    return translated(key, language) or text(catalog, key, *services)


def clock_time(at: datetime | None, zone: ZoneInfo) -> str:
    """``14h05`` in the organisation's time zone (French style)."""
    if at is None:
        return "un moment"
    local = at.astimezone(zone)
    return f"{local.hour}h{local.minute:02d}"
