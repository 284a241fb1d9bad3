"""What a question asks that the best fact may still not cover: a period, or a person.

Facts are valid for a time, and the ones valid now often speak of "now" only:
"quels étaient les horaires des messes cet été ?" is about Masses, but not
about the Masses of the weekday schedule valid today. A question that names a
period (a month, a season, a feast, the holidays) is answered only from a fact
that names the same period; otherwise the information for that period is not
there (expired, not yet valid, or never given) and a human answers instead.
Only the question's own sentences set that condition: the rest of the message
tells the person's story ("Mes parents fêtent leurs noces d'or en juin."), and
its periods only rule out a fact bound to other periods.

A feast that names school holidays ("les vacances de Noël", "vacances scolaires :
Toussaint du 17 octobre au 2 novembre") is a period of its own, ``vacances-noel``:
a catechism calendar that lists the holidays says nothing about the Christmas
Masses, and an office fact about the Toussaint holidays nothing of the Christmas
holidays.

"La messe de minuit" is Christmas too.

Someone who asks to talk to a person ("je voudrais parler au curé") wants a
person, not a fact about that person: that question is handed over too.

Words are folded and stemmed (:mod:`concierge_common.french.text`), in French,
English and Portuguese; short words must match exactly ("avent" is one letter
from "avant"), longer ones may carry a typo.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from concierge_common.french.text import stem, words
from concierge_common.french.typos import near

EXACT_BELOW = 7  # letters: shorter period words must be written exactly

# Each period, and the words that name it.
PERIODS: dict[str, tuple[str, ...]] = {
    "janvier": ("janvier", "january", "janeiro"),
    "fevrier": ("fevrier", "february", "fevereiro"),
    "mars": ("mars", "march", "marco"),
    "avril": ("avril", "april", "abril"),
    "mai": ("mai", "maio"),  # not "may": "May I..."
    "juin": ("juin", "june", "junho"),
    "juillet": ("juillet", "july", "julho"),
    "aout": ("aout", "august", "agosto"),
    "septembre": ("septembre", "september", "setembro"),
    "octobre": ("octobre", "october", "outubro"),
    "novembre": ("novembre", "november", "novembro"),
    "decembre": ("decembre", "december", "dezembro"),
    "ete": ("ete", "summer", "verao"),
    "hiver": ("hiver", "winter", "inverno"),
    "printemps": ("printemps", "spring", "primavera"),
    "automne": ("automne", "autumn", "outono"),
    "vacances": ("vacances", "conges", "holidays", "holiday", "vacation", "ferias"),
    "noel": ("noel", "christmas", "xmas", "natal"),
    "paques": ("paques", "pascal", "pascale", "easter", "pascoa"),
    "avent": ("avent", "advent", "advento"),
    "careme": ("careme", "quaresma"),
    "toussaint": ("toussaint",),
    "rameaux": ("rameaux", "ramos"),
    "pentecote": ("pentecote", "pentecost", "pentecostes"),
    "ascension": ("ascension", "ascensao"),
    "assomption": ("assomption", "assumption", "assuncao"),
    "epiphanie": ("epiphanie", "epiphany", "epifania"),
    "reveillon": ("reveillon",),
}
ALL_YEAR = "toute-annee"
# Periods named by two words in a row (the words as written, folded): Holy Week and
# its days are a period of their own, before Easter.
PAIRS: dict[tuple[str, str], str] = {
    **dict.fromkeys(
        [
            ("semaine", "sainte"),
            ("jeudi", "saint"),
            ("vendredi", "saint"),
            ("samedi", "saint"),
            ("holy", "week"),
            ("holy", "thursday"),
            ("good", "friday"),
            ("semana", "santa"),
            ("feira", "santa"),  # quinta-feira santa, sexta-feira santa
            ("jueves", "santo"),
            ("viernes", "santo"),
        ],
        "semaine-sainte",
    ),
    ("fete", "dieu"): "fete-dieu",
    # "toute l'année" (its "l'" aside), "all year (round)", "todo el año", "o ano todo"
    **dict.fromkeys(
        [("toute", "annee"), ("all", "year"), ("todo", "ano"), ("ano", "todo")], ALL_YEAR
    ),
    ("corpus", "christi"): "fete-dieu",
    ("saint", "sacrement"): "fete-dieu",
}
SINGLE_WORD_PERIODS = {"triduum": "semaine-sainte"}
# Written words whose stem is a period's but that name none: "congé" (a day off; "les
# congés" are the holidays), "mais" (but, not May).
NOT_PERIODS = frozenset({"conge", "mais"})
MIDNIGHT = frozenset({"minuit", "midnight", "medianoche"})
MASS = frozenset({"messe", "messes", "mass", "missa", "misa"})
# Feasts that also name school holidays: after "vacances" in the same sentence, or
# just before it ("Christmas holidays"), the holidays are meant.
HOLIDAY_FEASTS = frozenset({"noel", "toussaint", "paques"})
DURING = frozenset({"pendant", "durant", "during", "durante"})  # go with a period
SINCE = frozenset({"depuis", "since", "desde"})  # a period in the past, not a condition
SINCE_REACH = 4  # words between "depuis" and its period ("depuis sa chute en octobre")
# A period a question counts from or up to: "la messe reprend après l'été ?", "une fête
# avant Noël ?" ask about what happens outside the period, not during it.
BOUNDS = frozenset({"avant", "apres", "before", "after", "antes", "depois", "despues"})
_OF = frozenset({"de", "d", "du", "des", "of", "do", "da", "del"})
_ARTICLES = frozenset({"l", "le", "la", "les", "the", "o", "a", "el", "cet", "cette", "ce"})
SENTENCE_END = re.compile(r"[.;!?\n]+")
_SENTENCE = re.compile(r"[^.;!?\n]+[.;!?\n]*")  # a sentence with its end
# Auxiliaries of a past tense (folded): "nous avons emménagé", "c'était fermé".
_PAST = frozenset(
    {"avons", "avez", "ai", "ont", "avait", "avais", "avaient", "avions", "aviez", "etait",
     "etais", "etaient", "etions", "etiez", "fut", "furent", "had", "was", "were", "did"}
)  # fmt: skip
# "été" is also "been" ("il a été baptisé"): the season only after one of these.
SEASON_ARTICLES = frozenset({"l", "cet", "en", "d", "cette", "de"})

# Asking to talk to a person: one of these verbs and one of these people.
TALK = frozenset(
    stem(w) for w in words("parler discuter rencontrer speak talk meet falar conversar hablar")
)
PEOPLE = frozenset(
    stem(w)
    for w in words(
        "quelqu'un quelquun personne humain cure pretre pere diacre secretaire secretariat "
        "responsable someone somebody person human priest father padre alguem pessoa sacerdote "
        "alguien persona"
    )
)

_WORDS = {stem(word): period for period, names in PERIODS.items() for word in names}
MONTHS = tuple(list(PERIODS)[:12])
# The season a month falls in (where the seasons are those of Europe): a fact about the
# winter speaks of February.
SEASON_OF = {
    month: season
    for season, months in {
        "hiver": ("decembre", "janvier", "fevrier"),
        "printemps": ("mars", "avril", "mai"),
        "ete": ("juin", "juillet", "aout"),
        "automne": ("septembre", "octobre", "novembre"),
    }.items()
    for month in months
}
SEASONS = frozenset(SEASON_OF.values())
_UNTIL = frozenset({"a", "au", "jusqu", "to", "until", "till", "ate", "hasta"})
# "Pascal" and "Pascale", capitalised after a word, are a person ("le diacre Pascal
# Yerly"), not Easter's adjective ("la veillée pascale").
_PASCAL = re.compile(r"(?<=[\w,;:] )Pascale?\b")


def periods(text: str, *, bounds: bool = False) -> frozenset[str]:
    """The periods ``text`` names; a range of months names the months between ("de mai à
    octobre": June to September too); with ``bounds`` (a question), not the periods it
    counts from or up to ("après l'été")."""
    text = _PASCAL.sub(" ", text)
    found: set[str] = set()
    for sentence in _sentences(text):
        found |= _periods_of(words(sentence), bounds=bounds)
    return frozenset(found)


def _periods_of(said: list[str], *, bounds: bool = False) -> set[str]:
    """The periods one sentence's words name, the months inside a range too."""
    return _sentence_periods(said, bounds=bounds) | _months_between(said)


def question_periods(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The periods a message's questions ask about, and the ones the rest of it only tells.

    In a message that asks a question (a sentence ending with "?"), the other sentences
    tell the person's story: "Mes parents fêtent leurs noces d'or en juin.", "Je veux
    lui envoyer une carte de Noël.", "on rêve d'un mariage en août.". Their periods date
    the person's own plans, not the information asked (the hall's price, the priest's
    name, what to do first), so a fact that names no period still answers; a fact bound
    to other periods (the winter timetable for "nous venons en juillet") does not
    (:func:`fits`). A sentence that says "pendant" ("Nous serons là pendant les vacances
    de Noël.") sets a condition, and a message without a question mark is all question."""
    text = _PASCAL.sub(" ", text)
    if "?" not in text:
        return periods(text, bounds=True), frozenset()
    asked: set[str] = set()
    told: set[str] = set()
    for sentence in _sentences(text):
        said = words(sentence)
        condition = sentence.rstrip().endswith("?") or DURING & set(said)
        (asked if condition else told).update(_periods_of(said, bounds=bool(condition)))
    return frozenset(asked), frozenset(told - asked)


def seasonal(named: frozenset[str]) -> bool:
    """Whether ``named`` holds periods and only months and seasons (no feast, no
    holidays, not the whole year)."""
    return bool(named) and all(period in SEASON_OF or period in SEASONS for period in named)


def fits(named: frozenset[str], told: frozenset[str]) -> bool:
    """Whether a fact naming the periods ``named`` may answer a message that tells of the
    periods ``told``: it names none (it holds whenever it is valid), or it covers them."""
    return not named or covers(named, told)


def _sentences(text: str) -> list[str]:
    """The sentences of ``text`` whose periods count: of a message that asks a question,
    not the ones that tell of the past ("Nous avons emménagé en avril.", "J'avais vu que
    c'était fermé pendant les vacances."): what happened then is no condition on the
    answer."""
    parts = _SENTENCE.findall(text)
    if "?" not in text:
        return parts
    return [part for part in parts if part.rstrip().endswith("?") or not _past(part)]


def _past(sentence: str) -> bool:
    return any(word in _PAST for word in words(sentence))


def _months_between(said: list[str]) -> set[str]:
    """The months strictly inside each "de mai à octobre", "from May to October"."""
    found: set[str] = set()
    for i in range(len(said) - 2):
        first, link, last = _month(said[i]), said[i + 1], _month(said[i + 2])
        if first is None or last is None or link not in _UNTIL:
            continue
        start, end = MONTHS.index(first), MONTHS.index(last)
        span = (end - start) % len(MONTHS)
        found |= {MONTHS[(start + step) % len(MONTHS)] for step in range(1, span)}
    return found


def _month(word: str) -> str | None:
    period = _WORDS.get(stem(word))
    return period if period in MONTHS else None


def beyond_periods(text: str) -> str:
    """The words of ``text`` that name no period ("accueil ouvert pendant les" of
    "accueil ouvert pendant les vacances de la Toussaint")."""
    kept: list[str] = []
    for sentence in SENTENCE_END.split(text):
        said = words(sentence)
        for i in range(len(said)):
            if _named(said, i) is None:
                if said[i] not in DURING:
                    kept.append(said[i])
            elif i and (said[i - 1], said[i]) in PAIRS and kept and kept[-1] == said[i - 1]:
                kept.pop()
    return " ".join(kept)


def covers(named: frozenset[str], asked: frozenset[str]) -> bool:
    """Whether a text naming the periods ``named`` speaks of every period in ``asked``:
    the same period, a season for one of its months ("fermée en hiver" for February),
    a month for its season ("de décembre à avril" for the winter), the whole year for
    any month or season ("toute l'année", not a feast: Christmas has Masses of its own),
    or for a feast's holidays, the holidays and the feast apart ("pas de séance pendant
    les vacances scolaires ; reprise après Noël")."""
    return all(
        period in named
        or _holidays_apart(named, period)
        or SEASON_OF.get(period) in named
        or _every_month_of(period, named)
        or (ALL_YEAR in named and (period in SEASON_OF or period in SEASONS))
        for period in asked
    )


def _every_month_of(season: str, named: frozenset[str]) -> bool:
    """Whether ``named`` holds each month of ``season`` ("de décembre à avril": winter),
    not one of them only (a calendar ending in June says nothing of the summer)."""
    months = [month for month, its in SEASON_OF.items() if its == season]
    return bool(months) and all(month in named for month in months)


def _holidays_apart(named: frozenset[str], period: str) -> bool:
    feast = period.removeprefix("vacances-")
    return feast != period and {"vacances", feast} <= named


def _sentence_periods(said: list[str], *, bounds: bool = False) -> set[str]:
    """The periods one sentence names; with ``bounds``, not the ones it only counts from or
    up to (a question's "après l'été")."""
    named = [
        None if _since(said, i) or (bounds and _bounded(said, i)) else _named(said, i)
        for i in range(len(said))
    ]
    found: set[str] = set()
    holidays = False
    for i, period in enumerate(named):
        holidays = holidays or period == "vacances"
        after = named[i + 1] if i + 1 < len(named) else None
        if period in HOLIDAY_FEASTS and (holidays or after == "vacances"):
            found.add(f"vacances-{period}")
        elif period is not None:
            found.add(period)
    return found


def _since(said: list[str], i: int) -> bool:
    """A period the question only counts from ("elle ne sort plus depuis l'hiver",
    "depuis sa chute en octobre")."""
    before = [word for word in said[max(i - 3, 0) : i] if word not in _ARTICLES]
    if before and before[-1] in SINCE:
        return True
    return any(word in SINCE for word in said[max(i - SINCE_REACH, 0) : i])


def _bounded(said: list[str], i: int) -> bool:
    """Whether the ``i``-th word's period comes after "avant" or "après" ("après les
    vacances de Noël"), with only articles and period words between."""
    j = i - 1
    while j >= 0 and (said[j] in _ARTICLES or said[j] in _OF or _named(said, j) is not None):
        j -= 1
    return j >= 0 and said[j] in BOUNDS


def _named(said: list[str], i: int) -> str | None:
    """The period the ``i``-th word names, alone or with the word before it."""
    word = said[i]
    before = said[i - 2] if i >= 2 and said[i - 1] in _ARTICLES else said[i - 1] if i else ""
    pair = PAIRS.get((before, word)) if i else None
    if pair is not None:
        return pair
    if word in MIDNIGHT and MASS & set(said[max(i - 2, 0) : i + 3]):
        return "noel"  # "la messe de minuit", "midnight Mass": Christmas
    period = SINGLE_WORD_PERIODS.get(word) or _period(stem(word))
    if period == "ete" and (i == 0 or said[i - 1] not in SEASON_ARTICLES):
        return None
    if word in NOT_PERIODS:
        return None  # "demander congé à sa job", "mais elle a oublié"
    return period


def asks_for_person(text: str) -> bool:
    """True when ``text`` asks to talk to someone ("puis-je parler à un prêtre ?"), not
    when it asks when or how one can ("pour parler à un prêtre en confession, c'est
    quand ?", "faut-il un rendez-vous pour rencontrer le curé ?"): the facts say that."""
    said = [stem(word) for word in words(text)]
    if not (set(said) & TALK and set(said) & PEOPLE):
        return False
    return not (set(said) & WHEN_OR_HOW or _needs(said))


# Asking when or how a person can be met is a question for the facts.
WHEN_OR_HOW = frozenset(
    stem(w) for w in words("quand when quando cuando comment how como horaire horaires hours")
)


def _needs(said: list[str]) -> bool:
    """'faut-il ... ?': what it takes, a fact ("il faut que je parle au curé" is a wish)."""
    return ("faut", "il") in set(pairwise(said))


@lru_cache(maxsize=8192)
def _period(term: str) -> str | None:
    exact = _WORDS.get(term)
    if exact is not None or len(term) < EXACT_BELOW:
        return exact
    return next(
        (
            period
            for word, period in _WORDS.items()
            if len(word) >= EXACT_BELOW and near(term, word)
        ),
        None,
    )
