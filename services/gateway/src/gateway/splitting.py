"""Long replies cut into several WhatsApp messages, at natural boundaries.

A part holds at most ``max_chars`` characters when the text allows it. The cut
falls, in this order of preference, after the last sentence end (``.``, ``!``,
``?`` or ``…``, possibly followed by a closing quote or bracket, then a space
or a newline), at the last newline, or at the last space. A non-breaking space
(French typography: ``vous ?``, ``« merci »``) is never a cut, and neither is
the inside of a word or a URL: a single word longer than ``max_chars`` makes a
longer part rather than being broken. Parts are not numbered.
"""

from __future__ import annotations

import re

# Where a sentence ends: its punctuation, closing quotes or brackets, then breaking whitespace.
_SENTENCE_END = re.compile(r"[.!?…]+(?:[\u00a0\u202f]?[»\"')\]])*(?=[ \t\r\n])")
_BREAKING_SPACE = re.compile(r"[ \t\r\n]+")


def split_reply(text: str, max_chars: int) -> list[str]:
    """``text`` as one or more parts of at most ``max_chars`` characters, in order."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    rest = text.strip()
    parts: list[str] = []
    while len(rest) > max_chars:
        cut = _cut(rest, max_chars)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            parts.append(head)
    if rest:
        parts.append(rest)
    return parts


def _cut(text: str, max_chars: int) -> int:
    """Where the first part of ``text`` ends (an index in ``(0, len(text)]``)."""
    window = text[: max_chars + 1]  # a boundary right after the limit still fits
    for cut in (_last_sentence_end(window), _last_newline(window), _last_space(window)):
        if 0 < cut <= max_chars:
            return cut
    return _next_space(text, max_chars)


def _last_sentence_end(window: str) -> int:
    ends = [match.end() for match in _SENTENCE_END.finditer(window)]
    return ends[-1] if ends else -1


def _last_newline(window: str) -> int:
    return window.rfind("\n")


def _last_space(window: str) -> int:
    spaces = [match.start() for match in _BREAKING_SPACE.finditer(window)]
    return spaces[-1] if spaces else -1


def _next_space(text: str, start: int) -> int:
    """A word longer than a part: the part runs to the word's end."""
    match = _BREAKING_SPACE.search(text, start)
    return match.start() if match else len(text)
