"""SMS writing rewritten into plain French before a question is searched.

"c koi lé horR d mess", "secretaria ouvert kan", "ya t il messe jeudi": people
write to a parish the way they text. The lexicon already ignores the SMS words
that say nothing (:data:`ai.lexicon.SMS_PADDING`); the ones that carry the
question ("kan" is *when*, "mess" is *Mass*) are written out here, so that the
ranking and the embedding model read the question a person meant. Only whole
words are replaced, and only forms that are not French words themselves.
"""

from __future__ import annotations

import re

_PLAIN: dict[str, str] = {
    "koi": "quoi",
    "kwa": "quoi",
    "kan": "quand",
    "kand": "quand",
    "qd": "quand",
    "kel": "quel",
    "kelle": "quelle",
    "kels": "quels",
    "ke": "que",
    "ki": "qui",
    "ya": "il y a",
    "lé": "les",
    "pr": "pour",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "ds": "dans",
    "tt": "tout",
    "bcp": "beaucoup",
    "cb": "combien",
    "cmb": "combien",
    "cmt": "comment",
    "dmn": "demain",
    "ajd": "aujourd'hui",
    "auj": "aujourd'hui",
    "rdv": "rendez-vous",
    "tel": "téléphone",
    "horr": "horaires",
    "horer": "horaires",
    "orair": "horaires",
    "mess": "messe",
    "veu": "veut",
    "croa": "croix",
    "we": "samedi dimanche",
    "secretaria": "secrétariat",
    "cate": "caté",
    "kt": "caté",
    "bb": "bébé",
    "mese": "messe",
    "tps": "temps",
    "avan": "avant",
    "apres": "après",
    "parain": "parrain",
    "marene": "marraine",
    "marène": "marraine",
    "enterement": "enterrement",
    "num": "numéro",
    "adr": "adresse",
    "dispo": "disponible",
    "hr": "heure",
    "hrs": "heures",
    "jrs": "jours",
    "pb": "problème",
    "msg": "message",
    "egl": "église",
    # "je" fused with its verb
    "jpeu": "je peux",
    "jpe": "je peux",
    "jpx": "je peux",
    "jveu": "je veux",
    "jveux": "je veux",
    "jvoudrai": "je voudrais",
    "jvoudrais": "je voudrais",
    "jsui": "je suis",
    "jsuis": "je suis",
    "chui": "je suis",
    "jsai": "je sais",
    "jsais": "je sais",
    "jdois": "je dois",
    "jdoi": "je dois",
    "jai": "j'ai",
    "jcherche": "je cherche",
    "jvx": "je veux",
    "jvoudré": "je voudrais",
    "jaimerai": "j'aimerais",
    "jaimerais": "j'aimerais",
    # more of the spellings heard from Dakar to Abidjan to Montréal: a k for a c or a qu,
    # a missing ending, the number for its sound
    "kom": "comment",
    "komen": "comment",
    "koman": "comment",
    "kombien": "combien",
    "konbien": "combien",
    "conbien": "combien",
    "combin": "combien",
    "cbien": "combien",
    "pkoi": "pourquoi",
    "pourkoi": "pourquoi",
    "esk": "est-ce que",
    "eske": "est-ce que",
    "esque": "est-ce que",
    "kelkun": "quelqu'un",
    "qqn": "quelqu'un",
    "qqun": "quelqu'un",
    "tjr": "toujours",
    "tjrs": "toujours",
    "ns": "nous",
    "vs": "vous",
    "dmd": "demande",
    "fo": "faut",
    "cé": "c'est",
    "ct": "c'était",
    "2main": "demain",
    "2m1": "demain",
    "dem1": "demain",
    "samdi": "samedi",
    "dimanch": "dimanche",
    "katé": "caté",
    "cathé": "caté",
    "katechisme": "catéchisme",
    "katéchisme": "catéchisme",
    "baptem": "baptême",
    "batem": "baptême",
    "batême": "baptême",
    "mariaj": "mariage",
    "mariag": "mariage",
    "egliz": "église",
    "eglize": "église",
    "inscrir": "inscrire",
    "enscrire": "inscrire",
    "aprè": "après",
}
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
# The weekend is the Saturday and the Sunday a parish's facts name ("messes du week-end"),
# however it is written (and in English, Portuguese and Spanish).
_WEEKEND = re.compile(
    r"\b(?:week[\s-]?ends?|w-e|fin(?:s)? de semana|fim de semana)\b", re.IGNORECASE | re.UNICODE
)


def plain(text: str, *, sms: bool = True) -> str:
    """``text`` with its SMS words written out ("c koi lé horR" -> "c quoi les horaires")
    and the weekend named by its days. ``sms=False`` for a question in another language,
    whose words may look like French SMS ("we", "ya", "ke")."""
    text = _WEEKEND.sub("samedi dimanche", text)
    if not sms:
        return text
    return _WORD.sub(lambda found: _PLAIN.get(found.group(0).lower(), found.group(0)), text)
