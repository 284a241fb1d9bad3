"""Commands a person may type at any time, whatever the conversation's state.

They are recognised on the folded text (case, accents and punctuation do not
matter) when the whole message is the command ("Menu !", "STOP"), and, for the
request of a human, also inside a short sentence ("je voudrais parler à
quelqu'un svp"). Naming a person to reach inside a question for a fact
("comment contacter le secrétariat ?", "le curé reçoit quel jour ?", "faut-il
un rendez-vous pour rencontrer le curé ?", "comment entrer en contact avec le
curé ?") is not a request of a human but a question for the facts, unless the
person also says they want to ("je voudrais voir le curé, quand est-il là ?"),
and wishing to know something ("je voudrais savoir comment contacter le curé")
is not wishing to speak: :mod:`router.asking`.

Two requests are explicit whatever the message's length, in French, English,
Portuguese and Spanish, even when a fact could answer what follows: asking to be
called back ("rappelez-moi", "call me back", "me ligue", "llámeme"; "rappelez-moi
les horaires" asks to be reminded, not called), and a wish of the person's own to
speak with someone ("je voudrais parler à quelqu'un au sujet de...", "quiero
hablar con el cura"). Refusing the assistant ("pas un robot", "not a bot") is
asking for a human too.
"""

from __future__ import annotations

import enum
import re
from itertools import pairwise

from concierge_common.french.text import words
from router.asking import (
    asks_a_fact,
    asks_not_for_a_person,
    asks_only_for_help,
    names_only_a_person,
    wants_a_person,
    wants_someone,
    wishes_a_call_back,
    wishes_to_know,
)


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
    "une personne": Command.HUMAN,
    "quelqu un": Command.HUMAN,
    "human": Command.HUMAN,
    "a human": Command.HUMAN,
    "a person": Command.HUMAN,
    "someone": Command.HUMAN,
    "humano": Command.HUMAN,
    "um humano": Command.HUMAN,
    "uma pessoa": Command.HUMAN,
    "alguem": Command.HUMAN,
    "una persona": Command.HUMAN,
    "alguien": Command.HUMAN,
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
        "pas un robot",
        "pas un bot",
        "pas une machine",
        "pas a un robot",
        "pas parler a un robot",
        "pas parler avec un robot",
        "quelqu un a qui parler",
        "someone to talk to",
        "someone i can talk to",
        "someone to speak to",
        "someone i can speak to",
        "alguem com quem falar",
        "alguien con quien hablar",
        "pas avec un robot",
        "personne reelle",
        "not a bot",
        "not a robot",
        "not a machine",
        "no bots",
        "nao um robo",
        "nao com um robo",
        "nao quero um robo",
        "no un robot",
        "no con un robot",
        "no quiero un robot",
    )
)
# Getting in touch, which a question may ask how to do ("comment entrer en contact avec le
# curé ?") rather than ask for it ("pouvez-vous me mettre en relation avec l'accueil ?").
_GETTING_IN_TOUCH: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "mettre en relation", "mis en relation", "mise en relation", "en relation avec",
        "en contact avec",
    )
)  # fmt: skip
# "parler à/au/avec <a person>": the person wants a human, whoever they name.
_SPEAK = frozenset(
    {"parler", "discuter", "voir", "rencontrer", "joindre", "contacter", "appeler", "recevoir",
     "parle", "falar", "conversar", "hablar", "speak", "talk", "chat", "call", "meet", "see",
     "reach", "ver", "contactar", "contatar"}
)  # fmt: skip
_PERSON = frozenset(
    {
        "quelqu", "personne", "humain", "cure", "pretre", "pere", "secretariat", "secretaire",
        "accueil", "responsable", "diacre", "soeur", "conseiller", "quelquun", "pessoa",
        "persona", "person", "someone", "priest", "padre", "sacerdote", "alguem", "alguien",
        "parroco", "paroco", "cura", "vicar", "pastor", "abbe", "mme", "madame", "monsieur",
        "somebody", "anyone", "anybody", "human", "humano", "father", "secretary", "office",
        "staff", "secretaria", "paroisse", "paroquia", "parroquia",
    }
)  # fmt: skip
_SPEAK_REACH = 4  # words between the verb and the person
# "parlé" after an auxiliary ("on nous a parlé de", "vous m'avez parlé"): told, not wished.
_TOLD = [["a"], ["as"], ["avez"], ["avons"], ["ont"], ["avait"], ["avaient"]]
_SHORT = 12  # words, courtesy aside: longer messages are questions, not commands
# Politeness around a request does not make it a question ("Bonjour, excusez-moi de vous
# déranger, pourrais-je parler à quelqu'un s'il vous plaît ?").
_COURTESY = frozenset(
    {"bonjour", "bonsoir", "excusez", "excuse", "moi", "de", "vous", "deranger", "derange",
     "s", "il", "plait", "svp", "stp", "merci", "d", "avance", "madame", "monsieur", "hello",
     "hi", "please", "sorry", "thanks", "thank", "you", "ola", "hola", "por", "favor",
     "desculpe", "disculpe", "obrigado", "obrigada", "gracias"}
)  # fmt: skip
# A wish of one's own ("je voudrais", "I'd like", "quero"): with a person to speak to, a
# request whatever the message's length.
_OWN_WISH = frozenset(
    {"voudrais", "voudrions", "veux", "voulons", "aimerais", "aimerions", "souhaite",
     "souhaiterais", "souhaitons", "pourrais", "jveux", "jvoudrais", "jvoudrai", "jpeu",
     "quero", "queria", "gostaria", "gostariamos", "preciso", "precisamos", "quiero",
     "quisiera", "querria", "queremos", "necesito", "necesitamos"}
)  # fmt: skip
_OWN_WISH_PAIRS = frozenset(
    {("puis", "je"), ("pourrais", "je"), ("pourrions", "nous"), ("je", "peux"),
     ("i", "want"), ("i", "d"), ("i", "would"), ("i", "need"), ("we", "want"), ("we", "d"),
     ("we", "would"), ("we", "need"), ("can", "i"), ("could", "i"), ("may", "i"),
     ("can", "we"), ("could", "we"), ("posso", "falar"), ("puedo", "hablar")}
)  # fmt: skip
# Calling back. "rappeler" also means reminding: "rappelez-moi les horaires" is a question;
# "je m'appelle" is one's name (:func:`_me_before`), "que quelqu'un m'appelle" a request.
_CALL_AFTER_ME = frozenset(  # "me rappeler", "me ligue", "me llamen", "m'appeler"
    {"rappeler", "rappelez", "rappelle", "rappelles", "rappeliez", "appeler", "appelez",
     "telephoner", "telephonez", "recontacter", "recontactez", "contacter", "contactez",
     "ligar", "ligue", "liga", "liguem", "ligarem", "telefonar", "telefone", "telefonem",
     "contatar", "llamar", "llame", "llamen", "llama", "telefonear", "contactar",
     "contacten", "appelle", "appellent", "rappellent", "contacte", "contactent",
     "recontacte", "recontactent", "telephonent", "joigne", "joignent"}
)  # fmt: skip
# "call me back", "appelle-moi" ("je m'appelle" is one's name)
_CALL_BEFORE_ME = _CALL_AFTER_ME | {"call", "phone", "ring", "contact", "appelle"}
_CALL_ME = frozenset({"llameme", "llamarme", "llamenme", "llamame", "contacteme"})
_ME = frozenset({"me", "m", "moi"})
# Between "me" and the verb: "¿me pueden llamar?", "pode me ligar", "me faire rappeler".
_MODAL = frozenset(
    {"puede", "pueden", "podria", "podrian", "pode", "podem", "poderia", "poderiam", "faire",
     "faites"}
)  # fmt: skip
_POLITE = frozenset({"svp", "stp", "s", "il", "vous", "plait", "please", "por", "favor", "merci"})
# "Je me rappelle" is remembering, not being called.
_REFLEXIVE = frozenset({"je", "j", "nous", "on"})
# After "rappelez-moi", what is to be reminded of: an article, a question word...
_REMINDED_OF = frozenset(
    {"le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "ce", "cet", "cette",
     "ces", "c", "ca", "quand", "quel", "quelle", "quels", "quelles", "qu", "que", "quoi",
     "qui", "comment", "combien", "ou", "pourquoi", "si", "mon", "ma", "mes", "votre",
     "vos", "son", "sa", "ses", "notre", "nos", "leur", "leurs"}
)  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?;…\n]+")
# During a handoff, these give the conversation back to the assistant.
_CANCEL = frozenset({"menu", "annuler", "annule", "stop", "bot", "assistant", "robot"})


def detect(text: str) -> Command | None:
    """The command ``text`` is, or ``None``."""
    folded = words(text)
    whole = _WHOLE.get(" ".join(folded))
    if whole is not None:
        return whole
    bare = [word for word in folded if word not in _COURTESY]
    whole = _WHOLE.get(" ".join(bare)) if bare else None
    if whole is Command.HUMAN:  # "Humain svp", "Someone please"
        return whole
    if any(asks_to_be_called(words(sentence)) for sentence in _SENTENCE_END.split(text)):
        return Command.HUMAN  # "rappelez-moi ? C'est pour un baptême": what follows is no reminder
    phrase = any(_contains(folded, p) for p in _HUMAN_PHRASES)
    if phrase and any(_contains(folded, p) for p in _GETTING_IN_TOUCH):
        phrase = not asks_not_for_a_person(text)  # "comment entrer en contact avec le curé ?"
    human = phrase or _asks_to_speak(folded)
    if human and _own_wish(folded) and not wishes_to_know(text):
        return Command.HUMAN
    if phrase and wants_a_person(text):  # "une vraie personne peut me répondre ?"
        return Command.HUMAN
    if wants_someone(text) and not asks_a_fact(text) and not wishes_to_know(text):
        return Command.HUMAN  # "je voudrais échanger avec un prêtre", "passez-moi le curé"
    if names_only_a_person(text) or asks_only_for_help(text) or wishes_a_call_back(text):
        return Command.HUMAN  # "le curé svp", "aidez-moi svp", "je souhaite être rappelé"
    if len(bare) > _SHORT:
        return None
    if phrase:
        return Command.HUMAN
    if _asks_to_speak(folded) and (wants_a_person(text) or not asks_a_fact(text)):
        return Command.HUMAN
    return None


def asks_to_be_called(folded: list[str]) -> bool:
    """ "Rappelez-moi", "can someone call me back?", "me ligue", "¿me pueden llamar?"
    (not "rappelez-moi l'heure de la messe", a reminder, nor "je me rappelle")."""
    for i, word in enumerate(folded):
        if word in _CALL_ME:
            return True
        if word in _CALL_BEFORE_ME and folded[i + 1 : i + 2] in (["me"], ["moi"]):
            if not _reminds(word, folded[i + 2 :]):
                return True
        elif (
            word in _CALL_AFTER_ME and _me_before(folded, i) and not _reminds(word, folded[i + 1 :])
        ):
            return True
    return False


def _reminds(verb: str, rest: list[str]) -> bool:
    """ "rappelez-moi les horaires" reminds; "appelez-moi ce soir" never does."""
    return verb.startswith("rappel") and _reminder(rest)


def _me_before(folded: list[str], verb: int) -> bool:
    """ "me" just before the verb, or before a "can" and the verb; not "je me"."""
    if verb >= 1 and folded[verb - 1] in _ME:
        me = verb - 1
    elif verb >= 2 and folded[verb - 2] in _ME and folded[verb - 1] in _MODAL:
        me = verb - 2
    else:
        return False
    if me == 0 or folded[me - 1] not in _REFLEXIVE:
        return True
    return folded[me - 1] == "on" and folded[me - 2 : me - 1] == ["qu"]  # "qu'on m'appelle"


def _reminder(rest: list[str]) -> bool:
    """Whether what follows "rappelez-moi" is what to remind of ("les horaires", "à quelle
    heure"), not when or where to call ("au 06...", "demain", "svp")."""
    rest = [word for word in rest if word not in _POLITE]
    if not rest:
        return False
    if rest[0] == "a" and len(rest) > 1:
        return rest[1] in _REMINDED_OF
    return rest[0] in _REMINDED_OF


def _own_wish(folded: list[str]) -> bool:
    """The person says they themselves want something ("je voudrais", "I'd like")."""
    return any(word in _OWN_WISH for word in folded) or any(
        pair in _OWN_WISH_PAIRS and folded[i - 1 : i] not in (["do"], ["does"], ["did"])
        for i, pair in enumerate(pairwise(folded))
    )  # "do I need an appointment to see the priest?" asks a rule


def _asks_to_speak(folded: list[str]) -> bool:
    """ "parler au curé", "je voudrais voir un prêtre", "contacter le secrétariat"; not
    what one was told ("on nous a parlé de la salle sous la cure")."""
    return any(
        word in _SPEAK
        and not (word == "parle" and folded[i - 1 : i] in _TOLD)
        and any(w in _PERSON for w in folded[i + 1 : i + 1 + _SPEAK_REACH])
        for i, word in enumerate(folded)
    )


def is_cancel(text: str) -> bool:
    """True when a person in a handoff asks to get back to the assistant."""
    return " ".join(words(text)) in _CANCEL


def _contains(message: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(message[i : i + size]) == phrase for i in range(len(message) - size + 1))
