"""How ai reads the words of a question: content words, padding, and related words.

Built on :mod:`concierge_common.french.text` (folding, plurals, common stopwords), it adds
what matching questions against facts needs:

* padding: words every question carries ("je voudrais savoir si...") that say
  nothing about its subject, dropped like stopwords, in SMS writing ("c koi")
  and in English, Portuguese and Spanish too;
* neutral words ("horaire", "heure", "quand"): they help when a fact has them, but
  a fact is not less relevant for lacking them (times are written "10h30");
* kinds: "quel jour ?" and "quelle date ?" ask for what a fact writes as a weekday
  or a month, and count like the question's other words;
* related words: a word of the question also matches, with less weight, a
  synonym from a small parish lexicon ("marier" -> "mariage", and across
  languages: "christening" -> "baptême"), a word with the
  same long prefix ("préparer" -> "préparation") or a small typo of it
  ("horraires" -> "horaire").
"""

from __future__ import annotations

import re
from functools import lru_cache

from ai.reading import MAX_QUESTION_TERMS, first_chars
from concierge_common.french.text import STOPWORDS, stem, words
from concierge_common.french.typos import near

EXACT = 1.0
TYPO = 0.8
SYNONYM = 0.7
PREFIX = 0.5
PREFIX_LETTERS = 5


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(word) for word in words(text))


PADDING = _stems(
    "voudrais voudrait voudrions voulons voulez veux veut aimerais aimerait souhaite "
    "souhaiterais souhaitons savoir connaitre dire demander peux pouvez peut pourrais "
    "pourriez pourrait puis faut faudrait faire fait avoir etre suis sommes etes sont ai "
    "as avez avons ont sera serait bien tres plus aussi encore quoi si est-ce-que "
    "renseignement renseigner information info question demande besoin possible alors "
    "donc oui non ok daccord salut bonsoir coucou madame monsieur concernant propos "
    "sujet chose dois doit devons devez avait etait aurais auriez mais car comme tout "
    "me moi toi lui ils elles eux notre nos dans chez cherche chercher aidez aider "
    "beaucoup vraiment juste ben pis quelque"
)  # "ben", "pis": Québec's "bien" and "puis" ("ou ben", "sa tuque pis ses mitaines")
# SMS writing: "c koi", "ya kel messe", "jvoudrais", "pr", "ds"...
SMS_PADDING = _stems(
    "c koi ki kel kelle kels cet dla ds pr stp slt bjr tt jsp ya jveux jvoudrais g pk pq"
)
# English, Portuguese and Spanish words that say nothing about the subject either.
OTHER_LANGUAGES_PADDING = _stems(
    "what which who how why is are was were be been the an to of for in on at by my your "
    "our their his her it its you we they us do does did can could would should will "
    "there this that these those with from about any some get have has had want like need "
    "know tell please hi hello thanks thank "
    "o os as um uma do da dos das em no na nos nas para por com que qual quais como quem "
    "eu meu minha meus minhas seu sua voce voces ha tem ter ser estar esta posso pode "
    "podem quero queria gostaria preciso fazer devo sobre ola obrigado obrigada favor "
    "el los las unos unas del cual cuales es son estan hay tiene tengo puedo puede quiero "
    "quisiera necesito mi mis su sus con hola gracias usted ustedes le les hacer debo "
    "sorry excuse desculpe disculpe excusez"
)
NEUTRAL = _stems(
    "horaire heure moment prochain prochaine quand ou lieu endroit "
    "matin soir aprem time hour schedule when where hora horario quando onde cuando donde"
)

# Words that mean the same thing to a person writing to a parish (folded, unstemmed),
# with their English, Portuguese and SMS forms.
SYNONYM_GROUPS: tuple[str, ...] = (
    "marier mariage epouser noce fiance marry married wedding casar casamento boda casarnos "
    "casarse",
    "bapteme baptiser baptise baptism baptize christening batismo batizar batizado bautizo "
    "bautismo bautizar",
    "confession confesser reconciliation pardon penitence penitentiel penitentielle confess "
    "confessar confissao confesion confesarme confesar",
    "obseque enterrement funeraille deces decede defunt mort funeral funerais enterro "
    "entierro funerales died death faleceu morreu fallecio fallecido murio",
    "inscription inscrire inscrit register registration enrol inscricao inscrever "
    "inscripcion inscribir",
    "cate catechisme catechese kt catechism catequese catequesis catecismo",
    "tarif prix cout coute combien frais payer payant payante participation offrande "
    "montant cb cmb debourser price cost fee rate custa preco quanto cuesta precio",
    "bebe nourrisson petit bb",  # not "baby": "baby-sitter", "baby-foot"
    "parrain marraine godparent godfather godmother padrinho madrinha padrino madrina",
    "enfant fils fille child children kid son daughter crianca filho filha",
    "absent absence absente absenter manquer",
    # telling someone: "je dois le signaler à qui ?", "comment on est avertis ?"
    "prevenir prevenez signaler avertir averti informer notify inform warn",
    "oublie oublier perdu egare lost forgot forgotten esquecido olvidado",
    "tele television tv televise diffuse diffusion retransmission webdiffusion streaming televisao",
    "pretre cure abbe vicaire priest padre sacerdote",
    "don donner denier donation donate doacao doar",
    "adresse situe trouver acces venir aller address located endereco fica",
    "garer stationnement parking voiture park car estacionar estacionamento",
    "malade maladie hopital hospitalise onction mourant mourante agonie domicile sick ill "
    "hospital dying housebound doente enfermo",
    "ouvert ouverte ouverture ouvre ouvrir ferme fermeture open closed aberta aberto abre "
    "abierto abierta",
    "accueil secretariat permanence presbytere secretaria oficina",
    "communion eucharistie comunhao",
    "chorale chanter chant choriste choir sing coro cantar",
    "messe office celebration mass missa misa",
    "telephone phone telefone numero number tel telefono",
    "eglise church igreja iglesia",
    "dimanche sunday domingo",
    "lundi monday lunes",
    "mardi tuesday martes",
    "mercredi wednesday miercoles",
    "jeudi thursday jueves",
    "vendredi friday viernes",
    "samedi saturday sabado",
    "semaine week weekday semana",
    "rendez rdv appointment",
    "midi dejeuner lunch almoco almuerzo",
    "alimentaire nourriture faim food comida alimentos fome hambre",  # not "manger": a meal
    # a parish's everyday words in English, Portuguese and Spanish
    "paroisse parish parroquia paroquia",
    "salle hall sala",
    "location louer loue louent rent rental alquilar alquiler alugar aluguel",
    "famille family familia",
    "pere father dad pai",  # not "padre": a priest in Portuguese
    "mere mother mom mum mae madre",
    "naissance naitre born birth nasceu nacio nacimiento nascimento",
    "priere prier pray prayer rezar orar oracion oracao",
    "jeune ado ados adolescent adolescente adolescents youth teen teenager joven jovem",
    "impot impots fiscal fiscale deduction deductible tax taxes imposto impuesto",
    "anglais english ingles",
    "espagnol spanish espanol",
    "portugais portuguese portugues",
)

# A question's word for a kind of thing, and the words a fact writes it with ("quel
# jour ?" is answered by "le mercredi", "quelle date ?" by "6 juin"): one way only,
# since Wednesday is not Saturday. Keys are stems.
WEEKDAYS = "lundi mardi mercredi jeudi vendredi samedi dimanche"
MONTHS = "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre"
KINDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("jour", "day", "dia"), _stems(WEEKDAYS)),
    **dict.fromkeys(("date", "data", "fecha"), _stems(MONTHS)),
    # "délai ?" is answered by "quatre mois avant", "âge mini ?" by "au moins 16 ans"
    **dict.fromkeys(("delai", "longtemps"), _stems("avant avance mois semaines")),
    "age": _stems("ans"),
    # "des conditions pour être parrain ?" is answered by "doit être confirmé"
    **dict.fromkeys(
        _stems("condition exigence critere requis requirement requisito"),
        _stems("doit doivent faut obligatoire must"),
    ),
    **dict.fromkeys(("mini", "minimum"), _stems("moins")),
    # "combien ?" is answered by "CHF 60.–", "10 euros" or "gratuit", in any currency
    **dict.fromkeys(
        _stems("combien prix cout coute tarif payant price cost fee quanto custa preco cuesta"),
        _stems("euro euros eur chf franc francs dollar dollars gratuit gratuite free gratis"),
    ),
}


def _synonym_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in SYNONYM_GROUPS:
        members = _stems(group)
        for member in members:
            table.setdefault(member, set()).update(members - {member})
    return {word: frozenset(others) for word, others in table.items()}


SYNONYMS = _synonym_table()
# Each group opens with its French word: what a word of another language means in French.
_FRENCH_OF = {member: group.split()[0] for group in SYNONYM_GROUPS for member in group.split()[1:]}


def french_gloss(text: str) -> str:
    """The French words of the lexicon that ``text``'s words mean ("church" -> "eglise"),
    also for a small typo or another ending of them ("baptised" -> "bapteme")."""
    said = words(text)
    glossed = dict.fromkeys(
        french
        for i, word in enumerate(said)
        if not _how_long(said, i) and (french := _french(word))
    )
    return " ".join(glossed)


# "How much" before "time" asks how long, not a price: "¿cuánto tiempo antes?".
_HOW_MUCH = frozenset({"quanto", "cuanto", "how", "much"})
_TIME = frozenset({"tempo", "tiempo", "time", "long"})


def _how_long(said: list[str], i: int) -> bool:
    return said[i] in _HOW_MUCH and i + 1 < len(said) and said[i + 1] in _TIME


@lru_cache(maxsize=4096)
def _french(word: str) -> str:
    if word in _FRENCH_OF:
        return _FRENCH_OF[word]
    if len(word) < PREFIX_LETTERS or stem(word) in NEUTRAL:
        return ""  # "cuando" (when) is not a typo of "quanto" (how much)
    return next((french for other, french in _FRENCH_OF.items() if near(word, other)), "")


IGNORED = PADDING | SMS_PADDING | OTHER_LANGUAGES_PADDING


def question_terms(text: str) -> tuple[list[str], list[str]]:
    """The content and the neutral words of ``text``, folded and stemmed, once each.

    Only the start of ``text`` is read (:func:`ai.reading.first_chars`), and at most
    :data:`~ai.reading.MAX_QUESTION_TERMS` distinct words of it: ranking compares
    each of them with every word of the facts, so its work is bounded per message.
    """
    content: list[str] = []
    neutral: list[str] = []
    for word in words(_of_age(_presbytery(first_chars(text), written=False))):
        if len(content) + len(neutral) >= MAX_QUESTION_TERMS:
            break
        term = stem(word)
        if word in STOPWORDS or term in IGNORED or (len(term) < 2 and not term.isdigit()):
            continue
        target = neutral if _is_neutral(term) else content
        if term not in target:
            target.append(term)
    return content, neutral


def document_terms(text: str) -> list[str]:
    """Every indexable word of a fact, folded and stemmed, in order (repeats kept)."""
    return list(_document_terms(text))


@lru_cache(maxsize=8192)
def _document_terms(text: str) -> tuple[str, ...]:
    """:func:`document_terms`, worked out once per text: the same facts are indexed for
    every question."""
    said = words(_presbytery(text, written=True))
    return tuple(stem(word) for word in said if word not in STOPWORDS)


# "La cure" is the presbytery (where a Swiss or Belgian parish has its office), "le curé"
# its priest; folding would make them one word. Feminine, it is the house; in a fact,
# written without its accent, too (a question may drop the accent of "curé").
_THE_HOUSE = re.compile(r"(?i)\b(la|à la|a la|de la|cette|notre|votre|leur)\s+cure\b")
_WRITTEN_HOUSE = re.compile(r"(?i)\bcure(s?)\b")


# "Est-il trop jeune pour commencer ?" asks about an age ("de 4 à 7 ans"), not about the
# youth group ("les jeunes", "les ados").
_OF_AGE = re.compile(
    r"(?i)\b(?:trop|assez|plus|moins|si|tr[eè]s|too)\s+"
    r"(?:jeunes?|petite?s?|vieux|vieilles?|grande?s?|[aâ]g[ée]e?s?|young|old)\b"
)


def _of_age(text: str) -> str:
    return _OF_AGE.sub(" âge ", text)


def _presbytery(text: str, *, written: bool) -> str:
    text = _THE_HOUSE.sub(r"\1 presbytère", text)
    return _WRITTEN_HOUSE.sub(r"presbytère\1", text) if written else text


def relatedness(query: str, term: str) -> float:
    """How well the question's ``query`` word stands for a fact's ``term`` (0: not at all)."""
    if query == term:
        return EXACT
    if near(query, term):
        return TYPO
    if term in synonyms(query) or term in KINDS.get(query, ()):
        return SYNONYM
    if (
        min(len(query), len(term)) > PREFIX_LETTERS
        and _common_prefix(query, term) >= PREFIX_LETTERS
    ):
        return PREFIX
    return 0.0


@lru_cache(maxsize=8192)
def synonyms(query: str) -> frozenset[str]:
    """The parish synonyms of ``query``, also when it is a typo of one of them."""
    found: set[str] = set()
    for member, others in SYNONYMS.items():
        if near(query, member):
            found |= others | {member}
    found.discard(query)
    return frozenset(found)


@lru_cache(maxsize=8192)
def _is_neutral(term: str) -> bool:
    return any(near(term, word) for word in NEUTRAL)


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for char_a, char_b in zip(a, b, strict=False):
        if char_a != char_b:
            break
        size += 1
    return size
