"""An absence said with a verb and its negation, the way parents write it.

"Il ira pas au caté", "elle ne pourra pas venir samedi", "il sera pas là", "he can't
come": the person says that someone will miss a session, not the noun ("absence") a
fact is written with. The router reads it as a general question (the same rule for
every family: tell the catechist), ai as a question about absences.
"""

from __future__ import annotations

from collections.abc import Sequence

# Going or coming: the verb says it alone ("il ira pas", "ils viendront pas").
_GOING = frozenset({"ira", "iront", "viendra", "viendront", "vient", "viennent"})
# Being able, or being: only with a word of being there ("pourra pas venir", "sera pas là").
_BEING = frozenset(
    {"pourra", "pourront", "peut", "peuvent", "pourrait", "pourraient", "sera", "seront"}
)
_THERE = frozenset({"venir", "aller", "etre", "la", "present", "presente", "presents"})
_NOT = frozenset({"pas", "plus", "jamais"})
_NOT_EN = frozenset({"not", "t", "cannot"})  # "can't" is read "can", "t"
_ATTEND = frozenset({"come", "attend", "go", "make", "be"})
_NOT_REACH = 2  # words between the verb and its negation
_THERE_REACH = 3  # words between the negation and being there ("pas y aller")


def says_absence(folded: Sequence[str]) -> bool:
    """Whether the folded words say that someone will not come or be there."""
    for i, word in enumerate(folded):
        after = folded[i + 1 : i + 1 + _NOT_REACH]
        if word in _NOT_EN and any(w in _ATTEND for w in after):
            return True
        if not any(w in _NOT for w in after):
            continue
        if word in _GOING:
            return True
        if word in _BEING and any(w in _THERE for w in folded[i + 2 : i + 2 + _THERE_REACH]):
            return True
    return False
