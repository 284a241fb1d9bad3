"""Is a message about the person's own family's record, or a general question?

A role-gated service such as the catechism has general information anyone may
read (groups by age and school year, days and times, calendar, prices,
enrolment, first communion) and a family record only a verified parent may
read (which group and catechist their child has, its next sessions). The router
asks for the code only when what the message asks depends on that record:

- it is about the person's own child: a possessive before a child word ("mon
  fils", "nos enfants", "o meu filho"), or a first name in the middle of a
  sentence ("le groupe de Léa") or opening it as a subject ("Nathan a caté");
- and it asks what the record holds: the child's catechist or next session
  (:data:`_OWN_RECORD`), or their group, day, time, place or dates
  (:data:`_RECORD_ASKS`), or nothing but the service ("le caté de mon fils").

Mentioning one's child does not make a general question personal: losing the
code, registering, prices and paying, an absence and whom to tell ("il ira pas
au caté, je dois prévenir qui ?"), baptism or an age are
answered the same for every family (:data:`_GENERAL`), and a message that says
which school year or stage the child is in ("ma fille est en CE1, c'est quel
jour ?", "il fait sa première communion, c'est quelle date ?") is answered from
the public facts that are keyed on it (:data:`_PUBLIC_KEYS`), unless it asks
for the catechist or the next session. When in doubt, the general facts answer:
the person can still ask for their record.

Capitalised words that name the organisation's own places, churches and groups
("Vaise", "groupe Samuel") are not children: they are taken from its public
facts (:func:`organisation_names`), never written here, so the check works
the same for any parish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from concierge_common.french.absence import says_absence
from concierge_common.french.text import STOPWORDS, fold, words

_POSSESSIVES = frozenset(
    {"mon", "ma", "mes", "notre", "nos", "my", "our", "meu", "minha", "meus", "minhas"}
)
_CHILDREN = frozenset(
    {
        "fils", "fille", "filles", "enfant", "enfants", "petit", "petite", "petits", "garcon",
        "garcons", "gamin", "gamins", "ado", "ados", "gars", "son", "sons", "daughter",
        "daughters",
        "child", "children", "kids", "kid", "filho", "filha", "filhos", "filhas", "code",
    }
)  # fmt: skip
# Questions anyone may ask, even about their own child: the answer is the same for every
# family (losing the code, registering, prices and paying, an absence, baptism, an age).
_GENERAL = frozenset(
    {
        # a lost or forgotten code
        "perdu", "perdue", "oublie", "oubliee", "egare", "egaree", "lost", "forgot",
        "forgotten", "perdi", "esqueci",
        # registering
        "inscrire", "inscription", "inscriptions", "register", "enrol", "enroll", "inscrever",
        "inscricao", "inscribir", "inscripcion",
        # prices, paying, money
        "tarif", "tarifs", "prix", "cout", "coute", "combien", "payant", "payante", "payer",
        "paye", "gratuit", "gratuite", "argent", "frais", "financierement", "cost", "costs",
        "price", "fee", "fees", "pay", "quanto", "custa", "custo", "preco", "pagar", "gratis",
        "cuesta", "precio",
        # an absence, an illness, catching up, and whom to tell
        "absent", "absente", "absence", "manque", "rattraper", "malade", "prevenir",
        "signaler", "avertir", "aviser",
        # baptism, an age, joining, starting: the parish's rules, the same for every child
        "baptise", "baptisee", "ans", "age", "old", "anos", "rejoindre", "commencer",
        "debuter", "integrer", "join", "start",
    }
)  # fmt: skip
# What only the family's record tells, whatever else the message says.
_OWN_RECORD = frozenset(
    {
        "catechiste", "catechistes", "catechete", "catechetes", "animateur", "animatrice",
        "madame", "catechist", "catequista",
        "fiche", "inscrit", "inscrite", "inscrits", "enrolled", "registered", "occupe",
    }
)  # fmt: skip
# "Next", a word of the record when a session follows ("la prochaine rencontre", "son
# prochain caté", "next session") or nothing does ("c'est quand, la prochaine ?"); not
# "le prochain train".
_NEXT = frozenset(
    {"prochaine", "prochain", "prochaines", "prochains", "next", "proxima", "proximo"}
)
_OCCASIONS = frozenset(
    {"fois", "cours", "reunion", "reunions", "retraite", "sortie", "sorties", "activite",
     "activites", "date", "dates", "jour", "jours", "rdv", "temps", "time", "vez", "aula",
     "aulas", "encontro", "encontros", "clase", "clases"}
)  # fmt: skip
_NEXT_REACH = 2  # words between "next" and the session
_NEGATIONS = frozenset({"pas", "plus", "sans", "no", "not", "t", "nao", "sem", "sin", "without"})
_NO_CODE_REACH = 4  # words between the negation and "code"
# A child's, before a word of the record ("et qui est sa catéchiste ?").
_HIS_HER = frozenset({"son", "sa", "ses", "leur", "leurs", "his", "her", "their", "seu", "sua"})
# What the record holds, and the public facts too once the child's school year is known.
_RECORD_ASKS = frozenset(
    {
        "groupe", "groupes", "group", "grupo", "seance", "seances", "session", "sessions",
        "sessao", "rencontre", "rencontres", "calendrier", "calendar", "calendario", "heure",
        "horaire", "horaires", "schedule", "horario", "lieu", "ou", "salle", "where", "onde",
        "rendez", "planning", "agenda", "nouvelles", "news", "novidades", "noticias",
    }
)  # fmt: skip
# Words of the record that anything has (a train, a shop): with a name alone, not enough.
_ANY_PLACE_OR_TIME = frozenset(
    {"heure", "horaire", "horaires", "schedule", "horario", "lieu", "ou", "salle", "where",
     "onde"}
)  # fmt: skip
# Asked about one's own child ("c'est quand le caté de ma fille ?"), these ask the record too;
# next to a first name they are not enough ("le père Jean est là quand ?").
_WHEN = frozenset(
    {"quand", "jour", "jours", "date", "dates", "when", "day", "days", "quando", "dia", "dias"}
)
# A day soon, asked about one's own child: "mon gars a-tu caté cette semaine ?", "ma fille
# a caté mardi ?".
_SOON = frozenset({"semaine", "demain", "aujourd", "week", "tomorrow", "today"})
# The service's own words: "le caté de mon fils", with nothing else, is about the record.
_SERVICE = frozenset({"cate", "kt", "catechisme", "catechese", "catechism", "catequese"})
# A school year or a stage the public facts are keyed on ("en CE1", "entre en 6e", "sa
# première communion"): a question that says it is answered from them.
_PUBLIC_KEYS = frozenset(
    {
        "cp", "ce1", "ce2", "cm1", "cm2", "maternelle", "primaire", "college", "collegien",
        "collegienne", "lycee", "lyceen", "lyceenne", "seconde", "terminale", "communion",
        "comunhao", "comunion", "confirmation",
    }
)  # fmt: skip
_GRADE = re.compile(r"[3-6](?:e|eme|em)")
# A school year after "en" in any country's numbering: "en 5H" (Harmos), "en P3", "en 1ère",
# "en 2e année", "en CE1" (folded words).
_SCHOOL_YEAR = re.compile(r"\ben (?:(?:1[01]|[1-9]) ?(?:h|e|eme|ere|er|p|s)|[a-z]{1,3} ?[1-9])\b")
# Words that may follow "le caté de" and are not a child ("le caté de demain").
_COMMON = frozenset(
    {"demain", "aujourd", "hui", "ce", "cette", "la", "l", "paroisse", "rentree", "noel"}
)
_DAYS = frozenset({"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"})
# A group by its name in the organisation's facts ("les Bâtisseurs", "le groupe Samuel").
_GROUP_NAME = re.compile(
    r"(?i:\b(?:groupe|group|grupo|les|des|aux|chez)\s+(?:des\s+|les\s+|de\s+)?)"
    r"([A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)*)"
)
_REACH = 3  # words between the possessive and the child word
# A capitalised word after a word ("le groupe de Léa") or an elided "d'" ("le caté d'Arthur").
_NAME = re.compile(
    r"(?:(?<=[a-zà-ÿ,;:]\s)|(?<=\b[dD]['’]))([A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)"
)
_NOT_NAMES = frozenset(
    {
        "saint", "sainte", "noel", "paques", "toussaint", "avent", "careme", "pentecote",
        "fete", "fetes",  # "avant les Fêtes": the holidays
        "dieu", "jesus", "marie", "eglise", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
        "samedi", "dimanche", "mass", "easter", "christmas", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday", "hello", "church",
        # the faith's own capitalised words ("un groupe pour lire la Bible")
        "bible", "evangile", "evangiles", "christ", "seigneur", "vierge", "pape", "esprit",
        "eucharistie", "ecriture", "ecritures", "parole",
    }
)  # fmt: skip
# Titles: the name after one is an adult's ("l'abbé Dupont", "sœur Marie"), not a child's.
_TITLES = frozenset(
    {"abbe", "pere", "soeur", "frere", "mgr", "monseigneur", "madame", "monsieur", "mme",
     "mr", "mrs", "ms", "diacre", "dom", "chanoine", "pasteur", "docteur", "dr", "padre",
     "father", "sister", "brother", "deacon", "senhor", "senhora", "senor", "senora"}
)  # fmt: skip
_TO_PLACES = frozenset({"pour", "a", "vers", "depuis", "to", "from", "para", "hacia"})
# "de": a child's after a word of the organisation ("l'aumônerie d'Inês"), a town's after
# any other word ("le traversier de Matane").
_OF = frozenset({"de", "d", "du", "des", "of"})
# The verbs after which an opening capitalised word is the subject, so maybe a child.
_OPENING_NAME = re.compile(
    r"([A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)\s+"
    r"(?:(?:et|pis|and)\s+(?:son|sa|ses|his|her)\s+\S+\s+)?"  # "Rosalie pis son frère ont"
    r"(?:a|est|va|fait|doit|peut|aura|sera|commence|reprend|finit|ont|vont|font)\b"
)
_CAPITALISED = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)*")


def organisation_names(texts: Iterable[str]) -> frozenset[str]:
    """The capitalised words of the organisation's public texts, folded ("Vaise" -> "vaise").

    In a question they name its town, churches, rooms and groups, not a child.
    """
    return frozenset(
        fold(part)
        for text in texts
        for word in _CAPITALISED.findall(text)
        for part in word.split("-")
    )


def is_personal(text: str, known_words: Iterable[str] = ()) -> bool:
    """True when what ``text`` asks depends on the person's own family record."""
    folded = words(text)
    if any(word in _GENERAL for word in folded) or _without_code(folded) or says_absence(folded):
        return False
    known = {fold(word) for word in known_words}
    if any(word in _OWN_RECORD for word in folded) or _asks_next_session(folded, known):
        return (
            _about_own_child(text, folded, known) or _service_of(folded, known) or _theirs(folded)
        )
    if _says_the_public_key(text, folded, known):
        return False  # "ma fille est en CE1, c'est quel jour ?": the groups' facts answer
    if _possessive_child(folded):
        asks = _RECORD_ASKS | _WHEN | _DAYS | _SOON
        asked = words(_question_sentence(text))  # not the day a story tells of
        return any(word in asks for word in asked) or _only_the_service(text, folded, known)
    if not any(word in _RECORD_ASKS | _SERVICE for word in folded):
        return False  # a name alone ("the match of Standard", "Mass on Sunday") is not enough
    if not any(word in (_RECORD_ASKS - _ANY_PLACE_OR_TIME) | _SERVICE for word in folded):
        # an hour or a place: "Raphaël finit à quelle heure ?", not "le train pour Fribourg"
        return _names_a_child(text, known, after_places=False)
    return _names_a_child(text, known)


_SENTENCE_END = re.compile(r"[.!?\n]")


def _question_sentence(text: str) -> str:
    """The sentence of ``text``'s last question ("Ma fille a oublié sa tuque samedi.
    Quelqu'un l'a trouvée ?": the second), or all of it when it asks no question."""
    end = text.rfind("?")
    if end < 0:
        return text
    starts = [match.end() for match in _SENTENCE_END.finditer(text, 0, end)]
    return text[starts[-1] if starts else 0 : end]


def _without_code(folded: list[str]) -> bool:
    """The person says they have no code ("je n'ai pas le code des parents", "I don't
    have the code"): what is public answers them, a code request would not."""
    return any(
        word == "code" and any(w in _NEGATIONS for w in folded[max(0, i - _NO_CODE_REACH) : i])
        for i, word in enumerate(folded)
    )


def _theirs(folded: list[str]) -> bool:
    """The record's word after a possessive ("et qui est sa catéchiste ?", "son prochain
    caté"): a child's, the one the conversation is about."""
    return any(a in _HIS_HER and (b in _OWN_RECORD or b in _NEXT) for a, b in pairwise(folded))


def _asks_next_session(folded: list[str], known: set[str]) -> bool:
    """ "la prochaine rencontre", "son prochain caté", "la prochaine éveil à la foi" (a word
    of the organisation's own), "la prochaine ?", not "le prochain train"."""
    sessions = _RECORD_ASKS | _SERVICE | _OCCASIONS | known
    for i, word in enumerate(folded):
        if word not in _NEXT:
            continue
        after = [w for w in folded[i + 1 : i + 1 + _NEXT_REACH] if w not in STOPWORDS]
        if not folded[i + 1 :] or any(w in sessions for w in after):
            return True
    return False


def _service_of(folded: list[str], known: set[str]) -> bool:
    """The service "of" an unknown word, typed without capitals ("kt de ania")."""
    ignored = STOPWORDS | known | _NOT_NAMES | _DAYS | _SERVICE | _COMMON
    return any(
        a in _SERVICE and b in ("de", "d") and c not in ignored
        for a, b, c in zip(folded, folded[1:], folded[2:], strict=False)
    )


def _about_own_child(text: str, folded: list[str], known: set[str]) -> bool:
    return _possessive_child(folded) or _names_a_child(text, known)


def _names_a_child(text: str, known: set[str], *, after_places: bool = True) -> bool:
    """A first name the organisation's facts do not hold ("le groupe de Léa"), not an
    adult's after a title ("l'abbé Dupont", "Mme Rime"); ``after_places=False``: nor a word
    after "pour", "à", "de" or "vers" (a town: "le train pour Fribourg", "le traversier de
    Matane")."""
    ignored = _NOT_NAMES | known
    before = _TITLES if after_places else _TITLES | _TO_PLACES
    names = [
        m.group(1)
        for m in _NAME.finditer(text)
        if not _after(text, m.start(), before)
        and (after_places or not _of_a_place(text, m.start(), known))
    ]
    names += _subject_name(text)
    return any(any(part not in ignored for part in fold(name).split("-")) for name in names)


def _of_a_place(text: str, start: int, known: set[str]) -> bool:
    """ "de" before ``start``, after a word that is not the organisation's ("le traversier
    de Matane", not "l'aumônerie d'Inês")."""
    before = words(text[:start])
    if len(before) < 2 or before[-1] not in _OF:
        return False
    if before[-2] in _DAYS:
        return True  # a feast: "le mercredi des Cendres", "le dimanche des Rameaux"
    return before[-2] not in known | _SERVICE | _OCCASIONS | _RECORD_ASKS


def _after(text: str, start: int, kinds: frozenset[str]) -> bool:
    """Whether the word before ``start`` is one of ``kinds``."""
    before = words(text[:start])
    return bool(before) and before[-1] in kinds


def _says_the_public_key(text: str, folded: list[str], known: set[str]) -> bool:
    """A school year ("en CE1"), a stage ("sa première communion"), a group by its day ("le
    caté du mardi") or by its name ("les Bâtisseurs"): what the public facts are keyed on."""
    if any(word in _PUBLIC_KEYS or _GRADE.fullmatch(word) for word in folded):
        return True
    if _SCHOOL_YEAR.search(" ".join(folded)):
        return True
    if any(a in ("du", "de") and b in _DAYS for a, b in pairwise(folded)):
        return True
    return any(
        fold(name) in known and fold(name) not in _NOT_NAMES for name in _GROUP_NAME.findall(text)
    )


def _only_the_service(text: str, folded: list[str], known: set[str]) -> bool:
    """Nothing but the child, maybe named, and the service ("le caté de mon fils", "kt ma
    fille ?", "caté de mon fils Thomas")."""
    names = {fold(part) for word in _CAPITALISED.findall(text) for part in word.split("-")}
    other = set(folded) - STOPWORDS - _POSSESSIVES - _CHILDREN - _SERVICE - known - names
    return not other


def _subject_name(text: str) -> list[str]:
    """A first name opening the message as the subject of a verb ("Nathan a caté quand ?")."""
    found = _OPENING_NAME.match(text.strip())
    if found is None or fold(found.group(1)) in STOPWORDS:
        return []
    return [found.group(1)]


def _possessive_child(folded: list[str]) -> bool:
    return any(
        word in _POSSESSIVES and any(w in _CHILDREN for w in folded[i + 1 : i + 1 + _REACH])
        for i, word in enumerate(folded)
    )
