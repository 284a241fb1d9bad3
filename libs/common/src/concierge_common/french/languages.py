"""The language a person writes in: French, English, Portuguese or Spanish.

Each service that speaks to people without a model (ai's offline answers, the
router's menu, the handoff's notices) says its fixed phrases in the language the
person wrote in. :func:`written_in` recognises them by their small everyday words
(articles, pronouns, question words, common verbs, greetings, a parish's nouns,
and French as people text it: "svp", "stp", "pk", "c koi") and by the letters
only some of them write ("ñ", "¿" and "¡" are Spanish; "ã" and "õ" Portuguese;
"è", "ù", "œ" French; "á", "í", "ó", "ú" anything but French).

A word two of these languages share ("que", "domingo", "un", "padre") tells
nothing and is left out, so Portuguese and Spanish are told apart by the words
they do not share ("quero falar com o padre" against "quiero hablar con el
cura"). A message with no telling word, or as many for two languages, is taken
as French: the organisation's language, and most people's. Another language
has to outweigh French, so a French message with an English or Spanish loanword
stays French.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Literal

from concierge_common.french.text import words

Language = Literal["fr", "en", "pt", "es"]
FRENCH: Language = "fr"
LANGUAGES: tuple[Language, ...] = ("fr", "en", "pt", "es")

# Folded words (lower case, no accents; "qu'il" is "qu il", "it's" is "it s"): the
# everyday words of each language, which only its speakers write.
_TELLING: dict[Language, str] = {
    "fr": (
        # articles, pronouns, prepositions, conjunctions
        "le la les un une du des au aux ce cet cette ces je j tu il ils elle elles nous "
        "vous moi toi lui leur leurs mon ma mes ton ta tes sa ses notre nos votre vos qui "
        "quoi ou dont et est sont suis ai avez avons ont etes etait sera seront serait "
        "avec dans sur sous chez pour par sans vers apres avant depuis pendant mis "
        "ne pas plus rien jamais toujours aussi encore deja tres bien beaucoup peu trop "
        "ca cela ceci quel quelle quels quelles quand comment combien pourquoi parce "
        "qu quelqu quelque quelques chaque tout tous toute toutes autre meme "
        # common verbs
        "veux veut voudrais voudrait voudrions aimerais aimerait souhaite souhaiterais "
        "peux peut pouvez pourrais pourriez puis dois doit devons faut faire fait fais "
        "savoir sais sait avoir etre aller vais va viens vient parler appeler "
        "rappeler rappelez rappelle joindre trouver cherche besoin merci "
        # greetings, courtesy, family, days
        "bonjour bonsoir salut coucou madame monsieur excusez desole desolee "
        "pere mere fils fille enfant enfants frere soeur mari femme bebe "
        "personne vraie vrai heure heures semaine aujourd hui demain hier soir matin midi "
        "dimanche samedi lundi mardi mercredi jeudi vendredi prochain prochaine "
        # French as people text it
        "svp stp pk pq pcq c koi kel kelle kels ki kan qd cb jsp jpeu jpe jpx jsuis chui "
        "bjr bsr slt cc mrc mci dsl tkt ptdr mdr ds pr tt ac avc bcp dc jvoudrai "
        "voudrai jveux jvoudrais ke kon"
    ),
    "en": (
        "the on this that these those there here what when where which who whom whose how "
        "why is are was were be been being do does did done have has had will would can "
        "could should shall may might must i you your yours my mine our we they them their "
        "he she his her him it its of to from at for with by about into please thanks "
        "thank hello hi hey morning evening afternoon tonight today tomorrow yesterday "
        "someone somebody anyone anybody person back call speak talk need want like get "
        "know tell just not didn doesn isn aren won ll ve open closed "
        "father mother daughter child children married marry "
        "sunday saturday monday tuesday wednesday thursday friday "
        "and or but if some any much many price cost"
    ),
    "pt": (
        "o os um uma uns umas do da dos das no na nos nas ao aos pelo pela pelos pelas "
        "com sem pra eu voce voces ele ela eles elas meu minha meus minhas seu sua "
        "nosso nossa nao sim tem tenho temos estou estamos sao ha quero queria queremos "
        "gostaria gostariamos posso pode podem preciso precisamos falar ligar ligue liga "
        "liguem alguem pessoa pessoas ola oi bom boa noite obrigado obrigada quando onde "
        "quanto quanta custa qual quais isso esse essa isto aquele aquela muito muita "
        "tambem entao ainda agora hoje amanha ontem aqui fica ficar fazer faz vai vou "
        "padre pai mae filho filha filhos bebe marido mulher batizar casar inscrever "
        "faleceu morreu falecido falecida horas dias lhe"
    ),
    "es": (
        "el la los las un una unos unas del al con yo usted ustedes ella ellos ellas "
        "nosotros mi mis su sus es estoy estamos hay tiene tengo tenemos tienen no ha bien "
        "quiero quisiera queremos querria puedo puede pueden necesito necesitamos hablar "
        "llamar llame llameme llamen llamenme alguien persona personas hola buenos buenas "
        "noche gracias cuando donde cuanto cuanta cuesta cual cuales eso ese esa esto muy "
        "mucho mucha tambien entonces todavia ahora hoy manana ayer aqui hacer hace voy va "
        "padre hijo hija hijos madre marido esposo esposa casar bautizar casarnos casarse "
        "fallecido fallecida fallecio murio confesar confesarme abierta abierto dias senor "
        "senora espanol ingles"
    ),
}
# A parish's nouns, which a person may copy in another language from the parish's own
# words ("Inscription caté: what price?" is English): a tenth of an everyday word, they
# only tell a language when nothing else does ("Missa domingo?"). English words French
# has made its own ("week-end", "baby-sitter") are nouns too.
_NOUNS: dict[Language, str] = {
    "fr": (
        "messe messes eglise paroisse cure pretre abbe bapteme mariage obseques deces "
        "enterrement catechisme cate aumonerie secretariat accueil presbytere seance "
        "rendez inscription horaire horaires"
    ),
    "en": (
        "mass masses church priest office parish christening baptism baptised baptized "
        "wedding confession funeral time times baby week"
    ),
    "pt": "missa missas igreja paroquia batizado batismo casamento catequese enterro funeral",
    "es": (
        "misa misas iglesia parroquia parroco cura bautizo bautismo boda catequesis "
        "entierro oficina funeral"
    ),
}
_WORD_POINTS = 10
_NOUN_POINTS = 1

# Letters that only some of the languages write, read before accents are folded away.
_LETTERS: dict[str, tuple[Language, ...]] = {
    "ñ": ("es",),
    "¿": ("es",),
    "¡": ("es",),
    "ã": ("pt",),
    "õ": ("pt",),
    "è": ("fr",),
    "ù": ("fr",),
    "œ": ("fr",),
    "ë": ("fr",),
    "ï": ("fr",),
    "î": ("fr",),
    "û": ("fr",),
    "á": ("pt", "es"),
    "í": ("pt", "es"),
    "ó": ("pt", "es"),
    "ú": ("pt", "es"),
}


def _telling() -> dict[str, tuple[Language, int]]:
    """Each word that belongs to exactly one of the languages, its language and points."""
    tiers = ((_TELLING, _WORD_POINTS), (_NOUNS, _NOUN_POINTS))
    seen = Counter(
        word for tier, _ in tiers for text in tier.values() for word in set(text.split())
    )
    return {
        word: (language, points)
        for tier, points in tiers
        for language, text in tier.items()
        for word in text.split()
        if seen[word] == 1
    }


_WORD_LANGUAGE = _telling()


def written_in(text: str) -> Language:
    """The language of ``text``: the one with most telling words, French when unclear."""
    return telling(text) or FRENCH


def telling(text: str) -> Language | None:
    """The language ``text`` is clearly in, or None when it has no telling word or as many
    for two languages (``written_in`` takes French then)."""
    scores = _scores(text)
    ranked = scores.most_common()
    if not ranked or ranked[0][1] == 0:
        return None
    best, points = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == points:
        return None
    if best != FRENCH and scores[FRENCH] >= points:
        return None
    return best


def _scores(text: str) -> Counter[Language]:
    """Points per language: ten per telling word or letter, one per telling noun; a letter
    that two languages write but French does not counts against French only."""
    scores: Counter[Language] = Counter()
    for word in words(text):
        if word in _WORD_LANGUAGE:
            language, points = _WORD_LANGUAGE[word]
            scores[language] += points
    not_french = 0
    for letter in _letters(text):
        languages = _LETTERS.get(letter)
        if languages is None:
            continue
        if len(languages) == 1:
            scores[languages[0]] += _WORD_POINTS
        else:
            not_french += _WORD_POINTS
    if not_french and scores[FRENCH]:
        scores[FRENCH] = max(0, scores[FRENCH] - not_french)
    return scores


def _letters(text: str) -> list[str]:
    """The letters of ``text`` in lower case, accents composed ("a" + acute is "á")."""
    return list(unicodedata.normalize("NFC", text.lower()))
