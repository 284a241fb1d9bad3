"""Does a message ask for a piece of information, or for a person?

A keyword is not an intent. A parish's trigger words name both: "secrétariat",
"prêtre", "appeler", "rendez-vous" are where a person answers, and what a
parishioner asks about ("à quelle heure ouvre le secrétariat le mardi ?", "qui
dois-je appeler pour les obsèques ?", "un prêtre peut-il venir à l'hôpital ?",
"faut-il un rendez-vous pour rencontrer le curé ?"). Only an explicit wish to
reach someone hands the conversation to a human; a question asking for a fact is
answered from the organisation's facts (which give the office hours, the address,
the number, who visits the sick), and the answerer hands off itself when no fact
answers it.

- :func:`asks_a_fact`: the message is a question, in French, English, Portuguese
  or Spanish: the words of a question about when, where, how, how much
  (:func:`asks_for_information`), an interrogative word ("qui appeler", "quel",
  "who", "quem", "quién"), "est-ce que", an inverted verb ("faut-il", "peut-on",
  "un prêtre peut-il", "y a-t-il", "dois-je"), an English question opening with
  an auxiliary ("is there", "do I need", "can a priest"), "¿", or a "?" after
  what someone else can do ("un prêtre pourrait venir ?").
- :func:`asks_whom_to_reach`: the question is whom to call or where to turn
  ("qui appeler", "à qui m'adresser", "who should I call"): a fact (a name, a
  number), even after a wish ("je voudrais qu'un prêtre passe, qui appeler ?").
- :func:`wants_a_person`: the person's own wish to meet, speak with or be helped
  by someone ("je voudrais un rendez-vous avec le curé", "nous avons besoin d'un
  prêtre", "can you send someone"; not "je voudrais savoir...", "pouvez-vous me
  donner le numéro", "nous aimerions fêter les 80 ans de maman" nor "est-ce que
  j'ai besoin d'un rendez-vous ?", a question).
- :func:`asks_not_for_a_person`: what routing needs, a question for a fact that
  is no wish to reach a person.
"""

from __future__ import annotations

import re
from itertools import pairwise

from concierge_common.french.text import fold, words

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
        "adresse", "ou", "numero", "num", "telephone", "tel", "mail", "email", "courriel",
        "comment", "where", "address", "phone", "number", "how", "onde", "endereco",
        "telefone", "como", "donde", "direccion",
    }
)  # fmt: skip
# Interrogative words that make a question wherever they stand ("qui" is apart: it is also
# a relative, "quelqu'un qui puisse venir").
_INTERROGATIVES = frozenset(
    {
        "quel", "quelle", "quels", "quelles", "lequel", "laquelle", "lesquels", "lesquelles",
        "pourquoi", "quoi", "koi", "ki", "who", "whom", "whose", "which", "what", "why", "quem",
        "qual", "quais", "quien", "quienes", "cual", "cuales",
    }
)  # fmt: skip
# "qui" asks when it opens a clause or follows a preposition ("Qui appeler ?", "à qui
# m'adresser", "c'est qui"), or before an infinitive or an inverted verb ("qui dois-je").
_QUI = re.compile(
    r"(?:^|[.,;:!?¿(]\s*|\b(?:a|de|pour|avec|chez|aupres|vers|c\W*est|cest)\s+)qui\b"
    r"|\bqui\s+(?:appeler|contacter|joindre|demander|prevenir|ecrire|telephoner|"
    r"m\W*adresser|s\W*adresser|nous\s+adresser|dois|faut)\b"
)
# An inverted verb: "faut-il", "peut-on", "un prêtre peut-il", "y a-t-il", "est-elle".
_INVERTED = re.compile(
    r"\b[a-z]+-(?:t-)?(?:il|elle|on|ils|elles)\b|\best\W*ce\W*qu|\bqu\W*est\W*ce\b"
)
_INVERTED_PAIRS = frozenset(
    {("faut", "il"), ("peut", "on"), ("peut", "il"), ("peut", "elle"), ("peuvent", "ils"),
     ("pourrait", "il"), ("pourrait", "on"), ("pourrait", "elle"), ("doit", "on"),
     ("doit", "il"), ("t", "il"), ("t", "elle"), ("t", "on"), ("est", "il"), ("est", "elle"),
     ("dois", "je"), ("ai", "je"), ("avez", "vous"), ("savez", "vous"),
     ("connaissez", "vous")}
)  # fmt: skip
# English questions open with an auxiliary: "is there", "do I need", "can a priest come".
_AUXILIARIES = frozenset(
    {"is", "are", "does", "do", "did", "will", "should", "must", "can", "could", "may"}
)
_REQUESTED_OF = frozenset({"you", "u"})  # "can you send someone": a request, not a question
# Who else can do something, in a question ("un prêtre pourrait venir ?"); not for the
# person ("quelqu'un peut m'aider ?" asks for someone).
_OTHERS_CAN = frozenset(
    {"peut", "peuvent", "pourrait", "pourraient", "can", "could", "pode", "podem", "poderia",
     "puede", "pueden", "podria"}
)  # fmt: skip
# Whom to call or where to turn: a question for a name or a number.
_WHOM = re.compile(
    r"\b(?:a\s+qui|aupres\s+de\s+qui|qui)\s+(?:(?:dois|doit|faut|peut|peux|puis|pourrais|"
    r"devons|devrais|on|je|il|t|est|ce|que|qu|j)\s+){0,4}"
    r"(?:appeler|contacter|joindre|m\s*adresser|s\s*adresser|nous\s+adresser|adresser|"
    r"demander|telephoner|ecrire|prevenir|voir)\b"
    r"|\bwho\s+(?:(?:should|do|can|could|must|shall|would|i|we|to)\s+){0,3}"
    r"(?:call|contact|phone|ring|ask|reach|see|turn)\b"
    r"|\b(?:a\s+)?quem\s+(?:(?:devo|posso|devemos|eu)\s+)?(?:ligar|contatar|chamar|procurar)\b"
    r"|\b(?:a\s+)?quien\s+(?:(?:debo|puedo|debemos|tengo\s+que)\s+)?"
    r"(?:llamar|llamo|contactar|acudir|acudo|dirigirme)\b"
)
# A wish of the person's own.
_WISH = frozenset(
    {
        "voudrais", "voudrions", "veux", "voulons", "aimerais", "aimerions", "souhaite",
        "souhaiterais", "souhaitons", "pourrais", "pouvez", "pourriez", "jveux", "jveu",
        "jvoudrais", "jvoudrai", "voudrai", "prefere", "prefererais", "demande", "want",
        "wanna", "quero", "queria", "gostaria", "quiero", "quisiera", "querria",
        # asked of the parish: "passez-moi le curé", "mettez-moi en relation", "donnez-moi
        # quelqu'un" (not "donnez-moi les horaires": a fact)
        "passez", "mettez", "donnez",
    }
)  # fmt: skip
_WISH_PAIRS = frozenset(
    {("puis", "je"), ("je", "peux"), ("can", "i"), ("could", "i"), ("may", "i"),
     ("can", "we"), ("could", "we"), ("can", "you"), ("could", "you"), ("posso", "falar"),
     ("puedo", "hablar"), ("pode", "me"), ("puede", "me"), ("i", "would"), ("i", "d"),
     ("we", "would"), ("we", "d"), ("would", "like")}
)  # fmt: skip
# A need: a wish unless the message asks it as a question ("est-ce que j'ai besoin
# d'un rendez-vous ?", "do I need an appointment?").
_NEED = frozenset({"besoin", "need", "needs", "preciso", "precisamos", "necesito", "necesitamos"})
_NEED_PAIRS = frozenset({("nous", "faut"), ("me", "faut"), ("m", "faut")})
# Someone doing something for the person ("est-ce que quelqu'un peut m'aider ?", "can
# someone help me", "alguém pode me ajudar"): a request for a person, even asked.
_SOMEONE = frozenset(
    {"quelqu", "quelquun", "someone", "somebody", "anyone", "anybody", "alguem", "alguien"}
)
_FOR_ME = frozenset({"me", "m", "moi", "nous", "us"})
_SOMEONE_REACH = 4  # words between "someone" and "me"
# A wish for a piece of information: to know, to be told, a number, an address (the first
# word that says what is wished, after these).
_FILLERS = frozenset(
    {
        "me", "m", "moi", "nous", "vous", "le", "la", "les", "l", "un", "une", "des", "du",
        "de", "d", "bien", "juste", "svp", "stp", "donner", "avoir", "obtenir", "recevoir",
        "to", "the", "a", "an", "give", "get", "have", "like", "just", "please", "o", "os",
        "as", "el", "los", "dar", "ter", "tener", "receber", "recibir", "um", "uma", "il",
    }
)  # fmt: skip
_KNOWING = frozenset(
    {
        "savoir", "connaitre", "dire", "indiquer", "renseigner", "renseignement",
        "renseignements", "information", "informations", "info", "infos", "coordonnees",
        "numero", "num", "adresse", "telephone", "tel", "mail", "email", "courriel",
        "horaire", "horaires", "know", "tell", "number", "phone", "address",
        "saber", "dizer", "informacao", "informacoes", "decir", "informacion", "endereco",
        "telefone", "direccion", "telefono",
    }
)  # fmt: skip


# What a wish for a person is for: meeting, speaking, being called or helped, or the
# person themselves ("je voudrais voir le curé", "j'aimerais un rendez-vous", "we need a
# priest"); "je voudrais fêter..." or "inscrire mon fils" wishes for something else.
_MEETING = frozenset(
    {"parler", "voir", "rencontrer", "contacter", "joindre", "appeler", "rappeler", "discuter",
     "echanger", "entretien", "rendez", "rdv", "rencontre", "aide", "aider", "conseil",
     "ecoute", "accompagnement", "confesser", "etre", "qu", "que", "quelqu", "quelquun",
     "personne", "humain", "pretre", "cure", "pere", "abbe", "diacre", "soeur", "pasteur",
     "secretaire", "secretariat", "accueil", "responsable", "catechiste", "someone",
     "somebody", "person", "human", "priest", "father", "speak", "talk", "see", "meet",
     "call", "appointment", "help", "falar", "ver", "encontrar", "ligar", "ajuda", "alguem",
     "pessoa", "padre", "hablar", "llamar", "ayuda", "alguien", "persona", "cita",
     "marcar", "visite", "visiter", "venir", "passe", "passer", "send", "envoyer",
     "relation", "contact", "sacerdote", "parroco", "cura", "paroco", "causer", "confier",
     "agent"}
)  # fmt: skip
_MEETING_REACH = 3  # words of what is wished
# Wishes said to the parish ("pouvez-vous venir ?", "can you send someone?"): after them a
# coming or a sending is a person's. After one's own wish ("je voudrais passer au bureau",
# "je veux lui envoyer une carte") it is the person's own errand, unless a meeting word
# follows ("je voudrais passer voir le curé").
_ADDRESSED = frozenset({"pouvez", "pourriez", "passez", "mettez", "donnez"})
_ADDRESSED_PAIRS = frozenset({("can", "you"), ("could", "you"), ("pode", "me"), ("puede", "me")})
_ERRANDS = frozenset({"passer", "passe", "venir", "visiter", "envoyer", "send"})
_OWN_MEETING = _MEETING - _ERRANDS


def asks_for_information(text: str) -> bool:
    """Whether ``text`` asks when, where or how (office hours, address, number)."""
    return any(word in _INFORMATION for word in words(text))


def asks_a_fact(text: str) -> bool:
    """Whether ``text`` is a question for a piece of information (see the module)."""
    folded = words(text)
    if asks_for_information(text) or any(word in _INTERROGATIVES for word in folded):
        return True
    flat = fold(text)
    if "¿" in text or _QUI.search(flat) or _INVERTED.search(flat):
        return True
    if any(pair in _INVERTED_PAIRS for pair in pairwise(folded)):
        return True
    if _english_question(flat):
        return True
    return "?" in text and any(
        word in _OTHERS_CAN and folded[i + 1 : i + 2] not in (["me"], ["m"], ["nous"])
        for i, word in enumerate(folded)
    )


def asks_whom_to_reach(text: str) -> bool:
    """Whether ``text`` asks whom to call or where to turn ("qui appeler ?")."""
    return _WHOM.search(" ".join(words(text))) is not None


def wishes(text: str) -> bool:
    """Whether ``text`` says what the person wants ("je voudrais", "puis-je", "I need")."""
    folded = words(text)
    return _wish(folded) or _need(text, folded)


def wants_a_person(text: str) -> bool:
    """Whether ``text`` is the person's own wish, and not (only) for a piece of information
    ("je voudrais savoir", "pouvez-vous me donner le numéro")."""
    folded = words(text)
    if _someone_for_me(folded):
        return True
    ends = _wish_ends(folded)
    if not _need(text, folded):
        ends = [end for end in ends if not _need_at(folded, end)]
    return any(_wishes_meeting(folded[end:], own=not _addressed(folded, end)) for end in ends)


# Whom a wish may name ("je voudrais échanger avec un prêtre", "passez-moi le curé").
_PERSONS = frozenset(
    {"quelqu", "quelquun", "qqn", "qqun", "qlq1", "qlqun", "kelkun", "humain", "humaine",
     "pretre", "cure", "pere", "abbe", "vicaire", "diacre", "soeur", "secretaire",
     "secretariat", "responsable", "agent", "catechiste", "someone", "somebody", "person",
     "human", "priest", "father", "alguem", "pessoa", "padre", "alguien", "persona",
     "sacerdote", "parroco", "cura", "paroco",
     # "je veux parler avec vous", "mettez-moi en relation"
     "vous", "relation", "contact"}
)  # fmt: skip
_NOT_ALONE = frozenset({"vous", "relation", "contact"})  # no person when said alone
_PERSON_REACH = 6  # words between the wish and the person
_KIN_BEFORE = frozenset({"mon", "ma", "notre", "son", "sa", "leur", "my", "our", "meu", "mi"})


def wants_someone(text: str) -> bool:
    """Whether ``text`` wishes to meet, speak with or be put through to a person it names,
    or an appointment: "je voudrais échanger avec un prêtre", "passez-moi le curé",
    "donnez-moi quelqu'un", "je voudrais un rendez-vous pour une confession"
    (not "je veux voir la fiche de mes enfants", "je voudrais que mon fils y aille", nor
    "je veux voir mon père")."""
    folded = words(text)
    if not wants_a_person(text):
        return False
    for end in _wish_ends(folded):
        for i in range(end, min(end + _PERSON_REACH, len(folded))):
            if _person_at(folded, i) or folded[i] in _APPOINTMENT:
                return True
    return False


# An appointment is with someone: "je voudrais un rendez-vous pour une confession".
_APPOINTMENT = frozenset({"rendez", "rdv", "entretien", "appointment", "cita", "encontro"})


# What may stand beside a person named alone ("le curé svp", "un prêtre, c'est urgent") or
# a bare call for help ("aidez-moi svp", "j'ai besoin d'aide").
_BESIDE = frozenset(
    {"le", "la", "l", "un", "une", "du", "de", "d", "des", "au", "svp", "stp", "s", "il",
     "plait", "please", "merci", "bonjour", "bonsoir", "c", "est", "urgent", "urgente",
     "vite", "rapidement", "maintenant", "encore", "hello", "por", "favor", "vraie", "real"}
)  # fmt: skip
_HELP = frozenset(
    {"aide", "aidez", "aider", "moi", "m", "me", "j", "ai", "je", "besoin",
     "veux", "voudrais", "pouvez", "pourriez", "vous", "help", "need", "i", "ajuda", "ayuda",
     "ajudem", "ayudenme", "ayudame", "socorro"}
)  # fmt: skip
_HELPED = frozenset({"aide", "aidez", "aider", "help", "ajuda", "ayuda", "ajudem", "ayudame"})
_CALLED_BACK = re.compile(r"\betre\s+(?:re)?(?:rappelee?s?|appelee?s?|contactee?s?|recue?s?)\b")


def names_only_a_person(text: str) -> bool:
    """Whether ``text`` only names a person to reach ("le curé svp", "un humain")."""
    said = [word for word in words(text) if word not in _BESIDE]
    return bool(said) and all(word in _PERSONS and word not in _NOT_ALONE for word in said)


def asks_only_for_help(text: str) -> bool:
    """Whether ``text`` is a bare call for help, of nothing said ("aidez-moi svp",
    "j'ai besoin d'aide"): not "pouvez-vous m'aider à remplir ma déclaration ?"."""
    said = [word for word in words(text) if word not in _BESIDE]
    return bool(_HELPED & set(said)) and all(word in _HELP for word in said)


def wishes_a_call_back(text: str) -> bool:
    """Whether the person wishes to be called, contacted or received ("je souhaite être
    rappelé", "je voudrais être reçue par le curé")."""
    folded = words(text)
    return _wish(folded) and _CALLED_BACK.search(" ".join(folded)) is not None


def _person_at(folded: list[str], at: int) -> bool:
    word = folded[at]
    if word == "personne":
        return _a_person(folded, at)
    if word == "vous":  # "parler avec vous", "vous rencontrer"; not "pouvez-vous m'aider"
        return folded[at - 1] in _WITH or folded[at + 1 : at + 2] in _MEET_YOU
    return word in _PERSONS and folded[at - 1] not in _KIN_BEFORE


_WITH = frozenset({"avec", "a"})
_MEET_YOU = [["parler"], ["voir"], ["rencontrer"], ["appeler"], ["joindre"]]


def _addressed(folded: list[str], end: int) -> bool:
    """Whether the wish ending at ``end`` is asked of the parish ("pouvez-vous")."""
    return folded[end - 1] in _ADDRESSED or tuple(folded[end - 2 : end]) in _ADDRESSED_PAIRS


def wishes_to_know(text: str) -> bool:
    """Whether the person's wishes are all for a piece of information ("je voudrais savoir
    comment contacter le curé", "can you tell me who to call")."""
    folded = words(text)
    ends = _wish_ends(folded)
    return bool(ends) and all(_wished(folded[end:]) in _KNOWING for end in ends)


def _someone_for_me(folded: list[str]) -> bool:
    """ "quelqu'un peut m'aider", "une vraie personne peut me répondre", not "quelqu'un
    peut me dire les horaires" (a fact)."""
    for i, word in enumerate(folded):
        if word not in _SOMEONE and not _a_person(folded, i):
            continue
        for j in range(i + 1, min(i + 1 + _SOMEONE_REACH, len(folded))):
            if folded[j] in _FOR_ME and _wished(folded[j + 1 :]) not in _KNOWING:
                return True
    return False


def _a_person(folded: list[str], at: int) -> bool:
    """ "une personne", "une vraie personne" ("personne" alone is nobody)."""
    return folded[at] == "personne" and folded[at - 1 : at] in (["une"], ["vraie"], ["real"])


def _wish_ends(folded: list[str]) -> list[int]:
    """Where what each wish is for begins ("je voudrais | un rendez-vous")."""
    ends = [i + 1 for i, word in enumerate(folded) if word in _WISH or word in _NEED]
    ends += [i + 2 for i, pair in enumerate(pairwise(folded)) if pair in _WISH_PAIRS]
    ends += [i + 2 for i, pair in enumerate(pairwise(folded)) if pair in _NEED_PAIRS]
    return sorted(ends)


def _need_at(folded: list[str], end: int) -> bool:
    return folded[end - 1] in _NEED or folded[end - 1] == "faut"


def _wishes_meeting(rest: list[str], *, own: bool = False) -> bool:
    """What is wished is to meet or reach someone, in its first words ("prendre un
    rendez-vous", "me mettre en relation", "una cita"); ``own``: the person's own wish,
    in which an errand is no meeting (:data:`_ERRANDS`)."""
    said = [word for word in rest if word not in _FILLERS][:_MEETING_REACH]
    if not said or said[0] in _KNOWING:
        return False  # "je voudrais savoir comment contacter le curé": a fact
    meeting = _OWN_MEETING if own else _MEETING
    return any(word in meeting for word in said)


def _wished(rest: list[str]) -> str:
    """The first word of what is wished, fillers aside."""
    return next((word for word in rest if word not in _FILLERS), "")


def asks_not_for_a_person(text: str) -> bool:
    """A question for a fact, which is no wish to reach a person: the facts answer it."""
    if asks_whom_to_reach(text):
        return True
    return asks_a_fact(text) and not wants_a_person(text)


def _wish(folded: list[str]) -> bool:
    return any(word in _WISH for word in folded) or any(
        pair in _WISH_PAIRS for pair in pairwise(folded)
    )


def _need(text: str, folded: list[str]) -> bool:
    """A need said ("nous avons besoin d'un prêtre", "il nous faut"), not asked about."""
    said = any(word in _NEED for word in folded) or any(
        pair in _NEED_PAIRS for pair in pairwise(folded)
    )
    return said and not _yes_no_question(text, folded)


def _yes_no_question(text: str, folded: list[str]) -> bool:
    flat = fold(text)
    return (
        _english_question(flat)
        or _INVERTED.search(flat) is not None
        or any(pair in _INVERTED_PAIRS for pair in pairwise(folded))
    )


def _english_question(flat: str) -> bool:
    """A sentence opening with an auxiliary whose subject is not "you" ("is there", "do I
    need", "can a priest come"); "do you have" asks too."""
    for sentence in re.split(r"[.!?;:,]+", flat):
        found = re.findall(r"[a-z0-9]+", sentence)
        if (
            len(found) >= 2
            and found[0] in _AUXILIARIES
            and (found[0] in ("do", "does", "did") or found[1] not in _REQUESTED_OF)
        ):
            return True
    return False
