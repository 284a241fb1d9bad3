"""Typo tolerance for matching what people type against known words.

A word is "near" a reference word when it is the same, or within an edit
distance that grows with the reference's length: none under 5 letters (short
words differ by one letter too often: "caté"/"cote") nor for numbers, one up
to 8 letters, two beyond, and it keeps the reference's first letter (or swaps
the first two). The distance is the optimal string alignment distance: swapping
two neighbouring letters ("catechsime") is one edit.
Both the router's trigger keywords and ai's fact matching use it, on folded,
stemmed words (:mod:`concierge_common.french.text`).
"""

from __future__ import annotations


def tolerance(reference: str) -> int:
    """Edits allowed when matching ``reference``: 0 under 5 letters or digits, 1 under 9, else 2."""
    if len(reference) < 5 or reference.isdigit():
        return 0
    return 1 if len(reference) < 9 else 2


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance between ``a`` and ``b``, capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i, *([0] * len(b))]
        for j in range(1, len(b) + 1):
            substitution = row[j - 1] + (a[i - 1] != b[j - 1])
            current[j] = min(row[j] + 1, current[j - 1] + 1, substitution)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def same_start(word: str, reference: str) -> bool:
    """Whether ``word`` may be a typo of ``reference`` by its first letter: the same one,
    or the first two swapped. People seldom miss a word's first letter, and most pairs of
    real words one letter apart differ there ("pasar" and "casar", "cote" and "note")."""
    return word[:1] == reference[:1] or word[:2] == reference[1::-1]


def near(word: str, reference: str) -> bool:
    """``word`` is ``reference`` or a small typo of it (see :func:`tolerance`).

    Most pairs are unrelated words: an edit adds or removes at most one letter of
    each word's set of letters (a swap none), so letters in one word only, more
    than two per edit allowed, rule a pair out without computing the distance.
    """
    if word == reference:
        return True
    limit = tolerance(reference)
    if limit == 0 or len(set(word) ^ set(reference)) > 2 * limit:
        return False
    return same_start(word, reference) and distance(word, reference, limit) <= limit
