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
    "we": "week-end",
    "secretaria": "secrétariat",
    "cate": "caté",
}
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def plain(text: str) -> str:
    """``text`` with its SMS words written out ("c koi lé horR" -> "c quoi les horaires")."""
    return _WORD.sub(lambda found: _PLAIN.get(found.group(0).lower(), found.group(0)), text)
