"""Whether a question the facts do not answer is about the organisation at all.

A question about the parish that the facts do not answer goes to a human, who
knows more than the facts. A question about something else ("quel temps
fera-t-il demain ?", a recipe, the news) does not: staff would only have to
say it is not theirs. It gets a short, kind answer saying so, with what the
concierge can help with (the organisation's own services, from its data).

Two sources say what is on the subject. The words of parish life, in French,
English, Portuguese and Spanish (:data:`PARISH_WORDS`, with the parish synonym groups
of :mod:`ai.lexicon`): one of them in a question is enough ("une bénédiction
pour notre maison ?", "pèlerinage à Lourdes ?"). And the organisation's own
words: its services (names, descriptions, trigger keywords) and its facts'
titles; these hold common words too ("le temps de l'Avent", "samedi soir"), so
more than half of a question's content words must be among them, or be a typo
or a synonym of one. A question that meets neither is off the subject. Fact
contents are left out on purpose: they hold every common word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol

from ai.language import Language
from ai.lexicon import (
    SYNONYM,
    SYNONYM_GROUPS,
    TYPO,
    document_terms,
    question_terms,
    relatedness,
)
from concierge_common.french.text import words

CANNOT: dict[Language, str] = {
    "fr": "Je ne peux pas vous aider sur ce sujet ici.",
    "en": "I cannot help with that here.",
    "pt": "Não posso ajudar com esse assunto aqui.",
    "es": "No puedo ayudarle con ese tema aquí.",
}
CAN: dict[Language, str] = {
    "fr": "Je peux vous renseigner sur :",
    "en": "I can tell you about (in French):",
    "pt": "Posso informar sobre (em francês):",
    "es": "Puedo informarle sobre (en francés):",
}


PARISH_WORDS = (
    "paroisse paroissial paroissien eglise chapelle cathedrale basilique sanctuaire abbaye "
    "monastere presbytere sacristie cure pretre abbe pere diacre eveque pape religieux "
    "religieuse soeur frere moine messe messes office vepres laudes adoration chapelet "
    "rosaire neuvaine priere prier benir benediction benedictions bapteme baptiser "
    "communion confirmation mariage marier fiancailles obseques funerailles enterrement "
    "deces deuil defunt confession reconciliation sacrement sacrements onction malades "
    "parrain marraine filleul filleule catechisme catechese cate catechiste aumonerie scouts "
    "chorale chant orgue bible "
    "evangile dieu jesus christ seigneur vierge saint sainte foi croire catholique chretien "
    "noel paques careme avent toussaint rameaux pentecote ascension assomption epiphanie "
    "pelerinage retraite quete denier offrande don dons intention intentions benevole "
    "benevoles parish church chapel priest mass masses prayer pray bless blessing baptism "
    "christening wedding funeral confession catechism choir god jesus christmas easter "
    "godparent godfather godmother padrinho madrinha padrino madrina "
    "lent advent pilgrimage paroquia igreja padre missa oracao bencao batismo batizado "
    "casamento catequese peregrinacao parroquia iglesia sacerdote misa oracion bendicion "
    "bautismo bautizo boda catequesis peregrinacion confesar confesarme confesion "
    "confessar confissao comulgar comunion catecismo "
    # the parish's charity: a person in need asks the parish for food or help
    "charite entraide solidarite caritatif caritative depannage alimentaire nourriture faim "
    "pauvrete precarite friperie vestiaire charity hunger caridade fome caridad hambre"
)


# The lexicon's synonym groups about parish life (by their French word): the others
# hold everyday words ("samedi", "téléphone", "prix", "enfant") that say nothing of
# the subject ("une baby-sitter pour samedi soir").
PARISH_GROUPS = frozenset(
    {"marier", "bapteme", "confession", "obseque", "cate", "pretre", "don", "malade",
     "accueil", "communion", "chorale", "messe", "eglise"}
)  # fmt: skip


# Everyday subjects that are not a parish's, in the same four languages: words with
# no parish sense besides ("train" is left out: "en train de préparer le baptême";
# "internet" too: "la messe est-elle diffusée sur internet ?").
EVERYDAY_WORDS = (
    "meteo pluie pleuvoir neige neiger orage canicule temperature gare tram metro avion "
    "aeroport taxi autoroute votation votations vote voter votez election elections elire "
    "referendum politique depute impot impots fiscal fiscale deduction deductions "
    "restaurant restaurants resto pizzeria brasserie traiteur repas hotel hotels camping "
    "pharmacie pharmacien medecin docteur dentiste ordonnance medicament appartement "
    "appartements immobilier match matchs football hockey tennis score devoir devoirs "
    "maths mathematiques calcul poeme poemes poesie recette recettes gateau film films "
    "cinema television bourse crypto bitcoin assurance assurances coiffeur plombier "
    "garagiste supermarche weather rain snow airport voting politics tax taxes pharmacy "
    "doctor dentist apartment soccer homework math poem recipe movie restaurante "
    "restaurantes farmacia medico imposto impostos impuesto impuestos eleicao eleccion "
    "elecciones futebol futbol receita receta wifi"
)
EVERYDAY = frozenset(document_terms(EVERYDAY_WORDS))


def _parish_words() -> frozenset[str]:
    grouped = (group for group in SYNONYM_GROUPS if group.split()[0] in PARISH_GROUPS)
    return frozenset(document_terms(PARISH_WORDS)) | {
        term for group in grouped for term in document_terms(group)
    }


def _everyday_grouped() -> frozenset[str]:
    """The parish words that sit in an everyday synonym group ("offrande" among the words
    of a price): met as written, not through that group's other words ("combien")."""
    everyday = (group for group in SYNONYM_GROUPS if group.split()[0] not in PARISH_GROUPS)
    members = {term for group in everyday for term in document_terms(group)}
    grouped = {
        term
        for group in SYNONYM_GROUPS
        if group.split()[0] in PARISH_GROUPS
        for term in document_terms(group)
    }
    return frozenset((PARISH & members) - grouped)


PARISH = _parish_words()
_AS_WRITTEN_ONLY = _everyday_grouped()


MIN_WRITTEN = 4  # letters: shorter written words are not compared with parish words


class Subjects(Protocol):
    async def subjects(self) -> tuple[list[str], list[str]]:
        """The organisation's subject texts (service words, fact titles) and its services'
        labels, as a person reads them in a menu."""
        ...


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """The stems of the organisation's subject texts (the same texts are stemmed once)."""
    return _vocabulary(tuple(texts))


# Per service: its subjects, its subjects with every fact, its valid facts and its facts
# of another time's titles (ai.another_time).
@lru_cache(maxsize=32)
def _vocabulary(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(term for text in texts for term in document_terms(text))


def off_topic(question: str, known: frozenset[str], *, everyday_asked: bool = False) -> bool:
    """Whether ``question`` is off both parish life and the organisation's subjects.

    A parish word is enough to be on the subject, unless more of the question's words
    name an everyday subject that is not the organisation's (:data:`EVERYDAY_WORDS`):
    "un bon restaurant pour le repas de baptême ?" asks for a restaurant. When the
    everyday subject is known to be what is asked (``everyday_asked``: the fact found
    for the question said nothing of it, :func:`beside_the_answer`), as many everyday
    words as parish words are enough: "le code wifi du presbytère ?".
    """
    question = unlike_parish(question)  # "ma sœur", "17 fois 23", "le dernier train"
    content, _ = question_terms(question)
    if not content or reaches_someone(question):
        return False  # nothing to judge by ("c'est quand ?"), or a person wanted
    if asks_for_writing(question):
        return True  # "écris-moi un discours pour le mariage de mon frère"
    # The words as written too: a stem can hide a short typo ("mess" is stemmed "mes").
    written = [word for word in words(question) if len(word) >= MIN_WRITTEN]
    parish = sum(about_parish(term) for term in content) or any(map(about_parish, written))
    if parish:
        everyday = len(_everyday(content, known))
        return everyday > parish or (everyday_asked and everyday == parish)
    own = sum(related_to(term, known) for term in content)
    return own * 2 <= len(content)


# Writing something for the person: a speech, a poem, a letter... whatever it is about.
# Asked of the concierge ("écris-moi", "rédigez", "tu peux m'écrire", "write me"), not
# told of ("je dois écrire une lettre à l'évêque").
_WRITE_TO_ME = frozenset(
    {"ecris", "ecrivez", "redige", "redigez", "composez", "invente", "inventez", "escreve",
     "escribe", "escribeme"}
)  # fmt: skip
_WRITE_FOR = frozenset({"ecrire", "rediger", "composer", "inventer", "write", "escrever"})
_FOR_ME = frozenset({"m", "me", "nous", "us"})
_WRITINGS = frozenset(
    {"discours", "poeme", "poesie", "chanson", "texte", "lettre", "histoire", "blague",
     "dissertation", "redaction", "speech", "poem", "song", "story", "joke", "essay", "letter",
     "toast", "discurso", "poema", "cancao", "cancion", "carta", "historia", "piada", "chiste"}
)  # fmt: skip


def asks_for_writing(question: str) -> bool:
    """Whether ``question`` asks the concierge to write something ("écris-moi un discours",
    "write me a poem"): never the organisation's information, whatever its subject."""
    said = words(question)
    asked = any(
        word in _WRITE_TO_ME
        or (word in _WRITE_FOR and _FOR_ME & {*said[max(i - 1, 0) : i], *said[i + 1 : i + 2]})
        for i, word in enumerate(said)
    )
    return asked and bool(_WRITINGS & set(said))


def _everyday(content: Iterable[str], known: frozenset[str]) -> set[str]:
    """The terms of ``content`` that name an everyday subject the organisation does not
    speak of (a parish that lists its "repas paroissial" knows about meals)."""
    return {term for term in content if term in EVERYDAY and not related_to(term, known)}


def beside_the_answer(question: str, answer: str, known: frozenset[str]) -> bool:
    """Whether ``question`` asks about an everyday subject (:data:`EVERYDAY_WORDS`, not one
    of the organisation's) that ``answer`` does not speak of: "le code wifi du presbytère ?"
    answered with the family code, "un restaurant pour le repas de baptême ?" with the
    baptism's preparation. Only the question itself is read, not the context before it
    ("je travaille à la pharmacie en face, y a-t-il une messe à midi ?")."""
    content, _ = question_terms(question)
    asked = _everyday(content, known)
    if not asked:
        return False
    spoken = set(document_terms(answer))  # "les impôts" and "une attestation fiscale"
    return any(not any(relatedness(term, word) >= SYNONYM for word in spoken) for term in asked)


# One's own family: the words it shares with the Church's titles ("mon père", "ma sœur").
_KIN = re.compile(
    r"(?i)\b(?:ma|mon|ta|ton|sa|son|notre|votre|leur|mes|tes|ses|nos|vos|leurs|my|our)\s+"
    r"(?:s(?:œ|oe)urs?|fr[èe]res?|p[èe]res?|sisters?|brothers?|fathers?)\b"
)
# Everyday words one letter from a parish word: "17 fois 23" (foi), "avant" (Avent),
# "le dernier train" (denier), "les données" and "donne-moi" (don). "Je donne" is kept:
# giving to the parish is its subject.
_LOOKALIKES = re.compile(
    r"(?i)\b(?:fois|avant|derni[eè]re?s?|donn(?:ée|ee)s?)\b|\bdonnez?(?=-(?:moi|nous)\b)"
)


def unlike_parish(question: str) -> str:
    """``question`` without the words that only look like parish words: one's own family
    ("ma sœur" is a sister, not a nun) and everyday words a letter from one."""
    return _LOOKALIKES.sub(" ", _KIN.sub(" ", question))


_REACHING = frozenset(
    {"relation", "contact", "contacter", "joindre", "appeler", "rappeler", "rappele",
     "rappelee", "parler", "call", "speak", "talk", "falar", "hablar", "ligar", "llamar"}
)  # fmt: skip


def reaches_someone(question: str) -> bool:
    """Whether ``question`` is about reaching a person: never "not here", whatever else."""
    return any(word in _REACHING for word in words(question))


def about_parish(term: str) -> bool:
    """Whether ``term`` is a word of parish life, a typo of one, or a synonym of one by a
    parish group: "combien" is not, though "offrande" shares its group of prices."""
    if term in PARISH:
        return True
    for word in PARISH:
        score = relatedness(term, word)
        if score >= TYPO or (score >= SYNONYM and word not in _AS_WRITTEN_ONLY):
            return True
    return False


def related_to(term: str, known: frozenset[str]) -> bool:
    if term in known:
        return True
    return any(relatedness(term, word) >= SYNONYM for word in known)


def out_of_scope_reply(labels: list[str], language: Language) -> str:
    """The kind answer to a question off the organisation's subjects."""
    if not labels:
        return CANNOT[language]
    listed = "\n".join(f"- {label}" for label in labels)
    return f"{CANNOT[language]} {CAN[language]}\n{listed}"
