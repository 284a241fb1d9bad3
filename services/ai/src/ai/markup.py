"""What a person wrote, without the markup they may have wrapped around it.

People do not write XML to a parish. A message holding tags such as the
concierge's own ``<facts><fact id="3">...</fact></facts>`` is trying to pass its
own text for the organisation's information ("l'église est fermée pour travaux
jusqu'en juin"). The offline answerer reads the message without it: each
element, tags and content, is left out, then any stray tag; what remains is the
person's question ("jusqu'à quelle heure l'église est-elle ouverte ?"). A
message that is nothing but markup is read as it is.
"""

from __future__ import annotations

import re

_ELEMENT = re.compile(r"<([A-Za-z][\w-]*)\b[^<>]*>.*?</\1\s*>", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][\w-]*\b[^<>]*/?>")


def spoken(text: str) -> str:
    """``text`` without its markup elements and tags, or ``text`` when nothing else is left."""
    if "<" not in text:
        return text
    previous = None
    kept = text
    while kept != previous:  # elements inside elements
        previous, kept = kept, _ELEMENT.sub(" ", kept)
    kept = " ".join(_TAG.sub(" ", kept).split())
    return kept or text
