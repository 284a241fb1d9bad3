"""Life events: a death, a grave illness, a birth, a wedding get the words the moment needs.

"Mon père est décédé cette nuit, on fait comment ?" is one of the most important
messages a parish receives. The offline answerer gives what the facts say about
funerals like any answer, but never bare: condolences first, the fact, then
the offer of a person. When no fact answers, the message goes to a human with
a gentle word (reason ``ai_sensitive``), never with "no reliable information".
The loss of a baby or a child ("elle vient de perdre son bébé", a stillbirth, a
miscarriage) is a bereavement too. A person dying or gravely ill ("en fin de vie",
"très malade", "dying") gets a word of sympathy and the offer of a person the same
way. A birth ("notre fille est née", "nous venons d'avoir un bébé"), a coming wedding
("nous allons nous marier") or a wedding anniversary ("50 ans de mariage", "noces
d'or") opens the answer with congratulations.

The words are those of the events, in French (plain and SMS spellings), English,
Portuguese and Spanish; "mort", "disparu", "nous a quittés" or "s'est éteint" alone
is not enough (the death of Christ is in every Holy Week fact, a cat may be missing):
it needs a relative or a time.

Each event has a next step that the parish's facts are searched for, in the general
words of such facts whatever this parish calls them (:func:`next_step`): a Mass for a
deceased person or for an anniversary (of a death, of a wedding) is a Mass intention;
a priest asked to come to someone dying, very ill or in a hospital or maternity ward
is the visit of the sick and their sacrament (the duty priest's number); a death, a
funeral; a birth, a baptism; a coming wedding, the wedding (with what the message asks
about it: the documents, the cost). A Mass intention and a priest's visit are what the
message is about whatever its other words ("notre fils", "le bébé" are not a baby's
baptism), and so is a funeral or a baby's baptism the message names ("l'enterrement,
comment ça se passe ?" is not a Mass intention for the deceased): they are searched
before the message's own words, the other events' next steps after them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

from ai.language import Language
from ai.lexicon import question_terms
from concierge_common.french.text import words

_DEATH = frozenset(
    {
        "decede", "decedee", "deces", "deceder", "obseques", "enterrement", "enterrer",
        "funerailles", "inhumation", "cremation", "deuil", "defunt", "defunte", "died",
        "funeral", "burial", "faleceu", "falecido", "falecida", "enterro", "murio", "fallecio",
        "fallecido", "fallecida", "entierro", "miscarriage", "stillborn", "stillbirth",
        "natimorto", "natimorta", "mortinato",
    }
)  # fmt: skip
_TOOK_THEIR_LIFE = frozenset(
    {("est", "suicide"), ("est", "suicidee"), ("sont", "suicides"), ("committed", "suicide"),
     ("se", "suicidou"), ("se", "suicido"), ("suicidou", "se")}
)  # fmt: skip
_TOOK_THEIR_LIFE_WORDS = (
    "fin a ses jours", "fin a leurs jours", "enleve la vie", "enlevee la vie", "donne la mort",
    "donnee la mort", "took his own life", "took her own life", "took their own life",
)  # fmt: skip
_FUNERAL = frozenset(
    {"obseques", "enterrement", "enterrer", "funerailles", "inhumation", "cremation",
     "funeral", "burial", "enterro", "entierro", "sepultura", "velorio"}
)  # fmt: skip
_DEAD = frozenset(
    {"mort", "morte", "disparu", "disparue", "quitte", "quittes", "quittee", "quittees",
     "eteint", "eteinte", "dead", "passed", "morreu", "muerto", "muerta", "murio", "morto",
     "morta"}
)  # fmt: skip
_PEOPLE = frozenset(
    {
        "pere", "mere", "papa", "maman", "mari", "femme", "epoux", "epouse", "fils", "fille",
        "frere", "soeur", "grand", "oncle", "tante", "cousin", "cousine", "ami", "amie", "bebe",
        "enfant", "parrain", "marraine", "papi", "papy", "mamie", "mami", "neveu", "niece",
        "father", "mother", "husband", "wife", "son", "daughter", "brother", "sister", "baby",
        "child", "grandfather", "grandmother", "friend", "pai", "mae", "filho", "filha",
        "irmao", "irma", "marido", "esposa", "avo", "padre", "madre", "hijo", "hija", "nino",
        "nina", "hermano", "hermana", "abuelo", "abuela", "crianca",
    }
)  # fmt: skip
_CLOSE = _PEOPLE | {"nuit", "hier", "matin", "ce"}
_LOST = frozenset(
    {"perdre", "perdu", "perdue", "perdus", "perdons", "lost", "lose", "losing",
     "perdeu", "perdi", "perdemos", "perdio", "perdimos", "perdido", "perdida"}
)  # fmt: skip
_ENGLISH_POSSESSIVES = frozenset({"our", "my", "his", "her", "their"})
_JUST_DIED = frozenset({"vient", "viens", "venons", "venez", "viennent", "venait"})
_DIE = frozenset({"mourir", "morrer", "morir"})

CONDOLENCES: dict[Language, str] = {
    "fr": "Toutes nos condoléances. Nous sommes de tout cœur avec vous.",
    "en": "Please accept our deepest condolences.",
    "pt": "Os nossos sentidos pêsames.",
    "es": "Lo sentimos mucho y le acompañamos en el sentimiento.",
}
SYMPATHY: dict[Language, str] = {
    "fr": "Nous pensons bien à vous et à votre proche dans ce moment difficile.",
    "en": "We are thinking of you and of your loved one at this difficult time.",
    "pt": "Pensamos em si e no seu ente querido neste momento difícil.",
    "es": "Pensamos en usted y en su ser querido en este momento difícil.",
}
A_PERSON: dict[Language, str] = {
    "fr": "Si vous le souhaitez, une personne de la paroisse peut vous appeler et vous "
    "accompagner : écrivez « humain ».",
    "en": "If you wish, someone from the parish can call you and help: write « humain ».",
    "pt": "Se desejar, uma pessoa da paróquia pode ligar-lhe e acompanhá-lo: escreva « humain ».",
    "es": "Si lo desea, una persona de la parroquia puede llamarle y acompañarle: escriba "
    "« humain ».",
}


_BIRTH = frozenset(
    {"ne", "nee", "naissance", "naitre", "bebe", "nourrisson", "born", "baby", "nasceu",
     "nacio", "jumeaux", "jumelles", "twins", "gemeos", "gemelos"}
)  # fmt: skip
_BAPTISM = frozenset(
    {"bapteme", "baptiser", "baptise", "baptisee", "baptism", "baptised", "baptized",
     "baptize", "christening", "christen", "batismo", "batizar", "batizado", "bautizo",
     "bautismo", "bautizar"}
)  # fmt: skip
_BORN_AFTER = [["est"], ["suis"], ["es"], ["sont"], ["etre"], ["bebe"], ["enfant"]]
_JUST = frozenset(
    {"venons", "vient", "venez", "attendons", "attend", "notre", "nos", "ma", "mon", "just",
     "our", "nosso", "nossa", "nuestro", "nuestra"}
)  # fmt: skip
# Saying how old a child is: "ils ont 4 ans", "they are four", "tem dois anos".
_HAS_AGE = frozenset({"a", "ont", "is", "are", "tem", "tiene", "tienen", "turned", "turns"})
_NUMBER_WORDS = frozenset(
    {"un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "one",
     "two", "three", "four", "five", "seven", "eight", "nine", "ten", "dois", "duas", "tres",
     "quatro", "cinco", "seis", "dos", "cuatro", "siete", "ocho"}
)  # fmt: skip
_AGE_REACH = 3  # words between the child and its age
_BABY_AGES = frozenset(
    {"jours", "semaines", "mois", "days", "weeks", "months", "dias", "semanas", "meses"}
)
_EXPECTING = frozenset(
    {"enceinte", "grossesse", "accoucher", "accouchement", "pregnant", "gravida",
     "embarazada"}
)  # fmt: skip
# Becoming a parent, a grandparent, an aunt or a godparent: "je suis devenue grand-maman".
_BECAME = frozenset({"devenu", "devenue", "devenus", "devenues", "became", "become"})
_NEW_KIN = frozenset(
    {"maman", "papa", "mere", "pere", "parents", "mamie", "mamy", "papi", "papy", "tante",
     "oncle", "parrain", "marraine", "mom", "mum", "dad", "mother", "father", "grandmother",
     "grandfather", "grandma", "grandpa", "grandparents", "aunt", "uncle", "godmother",
     "godfather"}
)  # fmt: skip
# Marrying in the present tense is a wedding to come: "il se marie", "nous nous marions".
_MARRYING = frozenset({("se", "marie"), ("se", "marient"), ("nous", "marions"), ("vous", "mariez")})
_WEDDING = frozenset(
    {"marier", "marie", "mariage", "marions", "marient", "mariez", "marierons", "fiances",
     "fiancee", "fiance", "epouser", "married", "marry", "marrying", "wedding", "engaged",
     "casar", "casamento", "casarnos", "casamos", "boda"}
)  # fmt: skip
# An engagement: a wedding is coming.
_ENGAGED = frozenset(
    {"fiancer", "fiances", "fiancee", "fiancees", "engaged", "proposed", "noivos", "noivado",
     "noivamos", "prometidos", "comprometidos", "comprometimos"}
)  # fmt: skip
_PROPOSAL = re.compile(
    r"\bfaite? (?:\w+ )?la grande demande\b|\bdemande en mariage\b|\bpedido de casamento\b"
)
_FUTURE = frozenset(
    {"allons", "voulons", "veut", "veu", "souhaitons", "aimerions", "prochain", "prochaine",
     "bientot", "getting", "going", "vamos", "queremos", "marions", "marierons", "reve",
     "revons"}
)  # fmt: skip
CONGRATULATIONS: dict[Language, str] = {
    "fr": "Félicitations, quelle belle nouvelle !",
    "en": "Congratulations, what wonderful news!",
    "pt": "Parabéns, que bela notícia!",
    "es": "¡Enhorabuena, qué buena noticia!",
}

# A wedding anniversary: "anniversaire de mariage", "50 ans de mariage", "noces d'or",
# "golden wedding", "bodas de oro", "anos de casados".
_ANNIVERSARY = frozenset({"anniversaire", "anniversary", "aniversario", "jubile", "jubilee"})
_MARRIAGE = frozenset(
    {"mariage", "maries", "wedding", "marriage", "married", "casamento", "casados", "boda",
     "bodas", "matrimonio"}
)  # fmt: skip
_YEARS = frozenset({"ans", "annees", "years", "anos"})
_ONE_YEAR = frozenset(
    {("un", "an"), ("one", "year"), ("a", "year"), ("um", "ano"), ("un", "ano")}
)  # fmt: skip
_JUBILEE = frozenset({"noces", "bodas"})
_PRECIOUS = frozenset(
    {"or", "argent", "diamant", "platine", "perle", "rubis", "vermeil", "oro", "plata",
     "diamante", "ouro", "prata", "golden", "silver", "diamond", "ruby", "pearl"}
)  # fmt: skip

# A Mass for someone or something: a Mass intention.
_MASS = frozenset({"messe", "messes", "mass", "masses", "missa", "missas", "misa", "misas"})
_INTENTION = frozenset(
    {"intention", "intentions", "confier", "confie", "confions", "anniversaire", "anniversary",
     "aniversario", "repos", "ame", "soul", "alma", "defunt", "defunte", "defunts", "late",
     "deceased", "defunto", "defunta", "difunto", "difunta", "memoire", "memory", "memoria",
     "sufragio", "thanksgiving", "encargar", "ofrecer", "mandar", "offered", "said"}
)  # fmt: skip
_ASKED_PAIRS = frozenset(
    {("faire", "dire"), ("faire", "celebrer"), ("action", "grace"), ("acao", "gracas"),
     ("accion", "gracias")}
)  # fmt: skip
_FOR = frozenset({"pour", "for", "por", "para", "pela", "pelo"})
_THEM = frozenset(
    {"lui", "elle", "eux", "elles", "him", "her", "them", "ele", "ela", "eles", "elas", "el",
     "ella", "ellos"}
)  # fmt: skip

# Someone dying or gravely ill, and a priest asked to come to them.
_DYING = frozenset(
    {"mourant", "mourante", "agonie", "agonise", "agonisant", "agonisante", "palliatif",
     "palliatifs", "palliatives", "dying", "terminally", "palliative", "hospice", "moribundo",
     "moribunda", "agonizando", "agonizante", "paliativos", "paliativo", "paliativa",
     "onction", "anointing", "uncao", "uncion", "extremauncion"}
)  # fmt: skip
_DYING_PAIRS = frozenset(
    {("fin", "vie"), ("end", "life"), ("last", "rites"), ("derniers", "sacrements"),
     ("fim", "vida"), ("final", "vida"), ("tres", "malade"), ("gravement", "malade"),
     ("very", "ill"), ("seriously", "ill"), ("gravely", "ill"), ("muito", "doente"),
     ("gravemente", "doente"), ("muy", "enfermo"), ("muy", "enferma"),
     ("gravemente", "enfermo"), ("gravemente", "enferma"), ("va", "mourir"),
     ("vont", "mourir"), ("train", "mourir"), ("about", "die"), ("going", "die")}
)  # fmt: skip
_SACRAMENT_OF_THE_SICK = frozenset(
    {("sacrement", "malades"), ("sacrement", "malade"), ("sacrament", "sick"),
     ("sacramento", "enfermos"), ("sacramento", "doentes")}
)  # fmt: skip
_PRIEST = frozenset(
    {"pretre", "pretres", "cure", "abbe", "diacre", "aumonier", "priest", "chaplain",
     "sacerdote", "capelao", "capellan"}
)  # fmt: skip
_COME = frozenset(
    {"venir", "vienne", "viennent", "passer", "passe", "visite", "visiter", "rendre", "come",
     "visit", "vir", "venha", "visitar", "venga", "pasar", "prier"}
)  # fmt: skip
_CARE = frozenset(
    {"hopital", "maternite", "clinique", "ehpad", "retraite", "domicile", "chevet",
     "hospitalise", "hospitalisee", "hospital", "clinic", "maternity", "ward", "lar",
     "clinica", "residencia", "maternidade", "maternidad", "hospitalizado", "hospitalizada",
     "malade", "malades", "sick", "ill", "doente", "enfermo", "enferma"}
)  # fmt: skip

# What the messages ask about an event, which the facts say in their own words.
_DOCUMENTS = frozenset(
    {"papiers", "papier", "documents", "document", "dossier", "pieces", "paperwork", "papers",
     "documentos", "papeis", "papeles"}
)  # fmt: skip
_COST = frozenset(
    {"combien", "cout", "coute", "coutent", "prix", "tarif", "tarifs", "payer", "frais",
     "cost", "costs", "price", "fee", "fees", "quanto", "custa", "preco", "cuanto", "cuesta",
     "precio"}
)  # fmt: skip

_TIME = frozenset({"temps", "tiempo", "tempo", "time", "jours", "mois", "semaines"})

# What the facts are searched with: the general words of the parish's next step after
# each event (a funeral, a Mass intention, the visit of the sick, a baptism, a wedding).
FUNERAL_QUESTION = "obsèques funérailles enterrement"
INTENTION_QUESTION = "faire célébrer une messe pour un défunt ou à une intention"
SICK_QUESTION = "visite d'un prêtre à un malade ou un mourant, sacrement des malades"
BAPTISM_QUESTION = "baptême d'un bébé"
WEDDING_QUESTION = "se marier à l'église mariage"
DOCUMENTS_ASKED = "documents à fournir"
COST_ASKED = "combien ça coûte prix"


@dataclass(frozen=True)
class NextStep:
    """How the facts are searched after a life event: ``searches`` in turn, before the
    message's own words when ``first`` (the event is what the message is about), after
    them otherwise."""

    searches: tuple[str, ...]
    first: bool


def next_step(text: str, question: str | None = None) -> NextStep | None:
    """The search for the parish's next step after the life event ``text`` tells of.

    A Mass for someone is what is asked about unless the question's own sentence asks
    something else without a Mass ("Mes parents fêtent leurs noces d'or en juin. Quel est
    le tarif de la salle ?", "J'ai une enveloppe pour faire dire une messe. C'est quoi
    l'adresse du presbytère ?"). A funeral or a baptism is what is asked about when the
    question names it: the
    question's own sentence (``question``) when the message has other sentences, so
    that "on vient aux funérailles d'un oncle ; par où entrer sans escalier ?" asks
    how to get in, not how a funeral goes.
    """
    said = words(text)
    asked = words(question) if question else said
    if _mass_intention(said):  # after what a question of its own asks ("the hall's price?")
        first = question is None or any(word in _MASS for word in asked)
        return NextStep((INTENTION_QUESTION,), first=first)
    if _dying(said) or _priest_visit(said):
        return NextStep((SICK_QUESTION,), first=True)
    if _bereaved(said):  # the funeral is what is asked about
        first = _names(asked, _FUNERAL) or _what_now(question)
        return NextStep(_asked(said, FUNERAL_QUESTION), first=first)
    if _born(said):  # the baptism is what is asked about
        first = _names(asked, _BAPTISM) or _what_now(question)
        return NextStep(_asked(said, BAPTISM_QUESTION), first=first)
    if _coming_wedding(said):
        return NextStep(_asked(said, WEDDING_QUESTION), first=False)
    return None


# "Après les funérailles", "before the christening": the event dates what is asked.
_AROUND = frozenset(
    {"apres", "avant", "pendant", "durant", "after", "before", "during", "depois", "antes",
     "durante", "despues"}
)  # fmt: skip


def _names(asked: Sequence[str], event: Collection[str]) -> bool:
    """Whether ``asked`` names the event as its subject, not as the time of something else
    ("pour le buffet après les funérailles, comment descendre au sous-sol ?")."""
    return any(word in event and not _before(asked, i, _AROUND) for i, word in enumerate(asked))


# What a question asking for the next step says besides it: "pour l'église, qu'est-ce
# que je dois faire en premier ?", "what do we do first?", "quelles sont les démarches ?".
_NEXT = frozenset(
    {"eglise", "paroisse", "premier", "premiere", "abord", "demarche", "etape", "suite",
     "procedure", "church", "parish", "first", "next", "step", "iglesia", "igreja",
     "parroquia", "paroquia", "primero", "primeiro", "paso", "passo"}
)  # fmt: skip


def _what_now(question: str | None) -> bool:
    """Whether the question's own sentence asks only what to do next: nothing it names
    is a subject of its own ("par où entrer sans escalier ?" is one)."""
    if question is None:
        return False
    content, _ = question_terms(question)
    return all(term in _NEXT for term in content)


def next_step_question(text: str) -> str | None:
    """The main search for the parish's next step after the life event ``text`` tells of."""
    step = next_step(text)
    return step.searches[-1] if step is not None else None


def is_bereavement(text: str) -> bool:
    """Whether ``text`` tells of a death (a child's, a baby's too) or asks about a funeral."""
    return _bereaved(words(text))


def is_grave_illness(text: str) -> bool:
    """Whether ``text`` tells of someone dying or gravely ill (and of no death)."""
    said = words(text)
    return _dying(said) and not _bereaved(said)


# Words by which a person says a need cannot wait.
_URGENT = frozenset(
    {"urgent", "urgente", "urgence", "urgences", "urgently", "emergency", "immediatement",
     "vite", "asap", "urgencia", "emergencia", "depressa", "rapido"}
)  # fmt: skip
_URGENT_PAIRS = frozenset(
    {("tout", "suite"), ("right", "now"), ("right", "away"), ("ahora", "mismo"),
     ("agora", "mesmo")}
)  # fmt: skip


def is_urgent(text: str) -> bool:
    """Whether ``text`` says its need cannot wait ("c'est urgent", "tout de suite"); "en
    cas d'urgence" supposes one to come, and "le numéro d'urgence" names a number."""
    said = words(text)
    urgent = (
        word in _URGENT and not _supposed(said[:i]) and not _a_number(said, i)
        for i, word in enumerate(said)
    )
    return any(urgent) or _pair(said, _URGENT_PAIRS, gap=2)


# "En cas d'urgence", "in case of emergency", "em caso de emergência", "en caso de".
_IN_CASE = frozenset({("cas", "d"), ("case", "of"), ("caso", "de")})
# "Un numéro d'urgence", "an emergency number", "o número de emergência".
_NUMBER = frozenset({"numero", "number", "ligne", "line", "telephone", "phone", "telefone"})
_NUMBER_OF = frozenset({("numero", "d"), ("numero", "de"), ("ligne", "d"), ("telefone", "de")})


def _a_number(said: list[str], i: int) -> bool:
    """Whether the urgent word at ``i`` names an emergency number, not a need."""
    after = said[i + 1] if i + 1 < len(said) else ""
    return tuple(said[max(i - 2, 0) : i]) in _NUMBER_OF or after in _NUMBER


def _supposed(before: list[str]) -> bool:
    return tuple(before[-2:]) in _IN_CASE


def is_joyful(text: str) -> bool:
    """Whether ``text`` tells of a birth, of the person's own coming wedding or of a
    wedding anniversary (and of no death)."""
    said = words(text)
    if _bereaved(said):
        return False
    return _born(said) or _coming_wedding(said) or _wedding_anniversary(said)


def with_condolences(answer: str, language: Language) -> str:
    """The answer between condolences and the offer of a person."""
    return f"{CONDOLENCES[language]}\n\n{answer}\n\n{A_PERSON[language]}"


def with_sympathy(answer: str, language: Language) -> str:
    """The answer between a word of sympathy and the offer of a person."""
    return f"{SYMPATHY[language]}\n\n{answer}\n\n{A_PERSON[language]}"


def with_congratulations(answer: str, language: Language) -> str:
    return f"{CONGRATULATIONS[language]}\n{answer}"


def _bereaved(said: Sequence[str]) -> bool:
    if any(word in _DEATH for word in said):
        return True
    if _pair(
        said, {("fausse", "couche"), ("mort", "ne"), ("morte", "nee"), ("aborto", "espontaneo")}
    ):
        return True
    if _pair(said, _TOOK_THEIR_LIFE) or _says(said, _TOOK_THEIR_LIFE_WORDS):
        return True  # "mon frère s'est suicidé" (not "je pense au suicide": a crisis)
    if any(word in _DIE and _before(said, i, _JUST_DIED) for i, word in enumerate(said)):
        return True  # "mon père vient de mourir"
    if any(word in _LOST and _someone_after(said, i) for i, word in enumerate(said)):
        return True  # "elle vient de perdre son bébé", "we lost our son"
    return any(word in _DEAD for word in said) and any(word in _CLOSE for word in said)


def _someone_after(said: Sequence[str], i: int) -> bool:
    """Whether a relative follows word ``i`` closely ("son" only after "our", "my"...: in
    French it is "his" or "her", "son doudou")."""
    for j in range(i + 1, min(i + 4, len(said))):
        if said[j] == "son":
            if said[j - 1] in _ENGLISH_POSSESSIVES:
                return True
        elif said[j] in _PEOPLE:
            return True
    return False


def _dying(said: Sequence[str]) -> bool:
    return any(word in _DYING for word in said) or _pair(said, _DYING_PAIRS, gap=3)


def _priest_visit(said: Sequence[str]) -> bool:
    """A priest asked to come to someone ill or in a hospital, or the sacrament of the sick."""
    if _pair(said, _SACRAMENT_OF_THE_SICK, gap=3):
        return True
    asked = any(word in _PRIEST for word in said) and any(word in _COME for word in said)
    return asked and any(word in _CARE for word in said)


def _mass_intention(said: Sequence[str]) -> bool:
    """A Mass asked for someone (the deceased, a couple's anniversary) or an intention."""
    if _wedding_anniversary(said) or _death_anniversary(said):
        return True
    if not any(word in _MASS for word in said):
        return False
    if any(word in _INTENTION for word in said) or _pair(said, _ASKED_PAIRS):
        return True
    if any(word in _FUNERAL for word in said):
        return False  # "la messe d'enterrement": the funeral itself
    for i, word in enumerate(said):
        if word in _FOR and (_after(said, i, _THEM, 1) or _after(said, i, _PEOPLE, 2)):
            return True  # "une messe pour lui", "une messe pour mon père"
    return False


def _death_anniversary(said: Sequence[str]) -> bool:
    """A year since a death: "cela fera un an que notre fils nous a quittés"."""
    marked = any(word in _ANNIVERSARY for word in said) or _pair(said, _ONE_YEAR)
    return marked and _bereaved(said) and not any(word in _FUNERAL for word in said)


def _wedding_anniversary(said: Sequence[str]) -> bool:
    if _pair(said, {(j, p) for j in _JUBILEE for p in _PRECIOUS}, gap=2):
        return True  # "noces d'or", "bodas de plata"
    if any(word in _PRECIOUS for word in said) and "wedding" in said:
        return True  # "golden wedding"
    if any(word in _ANNIVERSARY for word in said) and any(word in _MARRIAGE for word in said):
        return True
    return any(word in _YEARS and _after(said, i, _MARRIAGE, 2) for i, word in enumerate(said))


def _born(said: Sequence[str]) -> bool:
    if any(word in _EXPECTING for word in said):
        return True  # "je suis enceinte": a baby is coming
    if any(word in _BECAME and _after(said, i, _NEW_KIN, 3) for i, word in enumerate(said)):
        return True  # "je suis devenue grand-maman ce matin", "I became a dad"
    births = [
        i
        for i, word in enumerate(said)
        if word in _BIRTH and not _negation(said, i) and not _aged(said, i)
    ]
    return bool(births) and any(word in _JUST for word in said)


def _aged(said: Sequence[str], at: int) -> bool:
    """The child's age said right after, in years ("our twins are four", "nos jumeaux
    ont 4 ans"): no news of a birth."""
    after = said[at + 1 : at + 1 + _AGE_REACH + 2]
    for j, word in enumerate(after[:_AGE_REACH]):
        if word in _HAS_AGE and j + 1 < len(after) and _number(after[j + 1]):
            unit = after[j + 2] if j + 2 < len(after) else ""
            return unit not in _BABY_AGES  # "notre bébé a deux mois": still news
    return False


def _number(word: str) -> bool:
    return word.isdigit() or word in _NUMBER_WORDS


def _negation(said: Sequence[str], at: int) -> bool:
    """ "ne" folded from "né", or the "ne" of "elle ne sort plus": born only after a verb
    ("il est né", "vient de naître" is another word)."""
    return said[at] == "ne" and said[at - 1 : at] not in _BORN_AFTER


def _coming_wedding(said: Sequence[str]) -> bool:
    if _wedding_anniversary(said):
        return False
    if any(pair in _MARRYING for pair in pairwise(said)):
        return True  # "mon fils se marie en juin", "nous nous marions"
    if any(word in _ENGAGED for word in said) or _PROPOSAL.search(" ".join(said)):
        return True  # "on vient de se fiancer", "il m'a fait la grande demande"
    return any(word in _WEDDING for word in said) and any(word in _FUTURE for word in said)


def _asked(said: Sequence[str], question: str) -> tuple[str, ...]:
    """The next step's searches: with what the message asks about it first."""
    asked = []
    if any(word in _DOCUMENTS for word in said):
        asked.append(f"{question} {DOCUMENTS_ASKED}")
    if any(word in _COST and not _after(said, i, _TIME, 2) for i, word in enumerate(said)):
        asked.append(f"{question} {COST_ASKED}")  # not "combien de temps", "cuánto tiempo"
    return (*asked, question)


def _pair(said: Sequence[str], pairs: Collection[tuple[str, str]], gap: int = 1) -> bool:
    """Whether two words of a pair follow each other in ``said``, at most ``gap`` apart."""
    return any(
        (word, said[j]) in pairs
        for i, word in enumerate(said)
        for j in range(i + 1, min(i + 1 + gap, len(said)))
    )


def _says(said: Sequence[str], phrases: Sequence[str]) -> bool:
    """Whether one of ``phrases`` (folded words, one space apart) is in ``said``."""
    joined = f" {' '.join(said)} "
    return any(f" {phrase} " in joined for phrase in phrases)


def _after(said: Sequence[str], i: int, wanted: Collection[str], within: int) -> bool:
    return any(word in wanted for word in said[i + 1 : i + 1 + within])


def _before(said: Sequence[str], i: int, wanted: Collection[str], within: int = 2) -> bool:
    return any(word in wanted for word in said[max(0, i - within) : i])
