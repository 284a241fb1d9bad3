"""How much of a message the answerers read: a bounded prefix, cut in linear time.

WhatsApp allows 65,536 characters in a message and a person may paste a whole
letter. The offline answerer's work grows with the words it reads (each one is
compared with every word of the facts) and the embedding model's with the length
it encodes; redacting and prompting Claude grows with the text too. So every
answerer reads the start of a turn only: :data:`MAX_QUESTION_CHARS` for the
offline ranking and the embedding (a question is asked in its first lines; E5
encodes at most 512 tokens anyway), at most :data:`MAX_QUESTION_TERMS` distinct
words of it, and Claude's limit (``ai.claude.history.TURN_CHARS``) with a note
saying that the rest was not read. The message itself is kept whole by the store.
"""

from __future__ import annotations

MAX_QUESTION_CHARS = 1500
MAX_QUESTION_TERMS = 48
# A cut looks this far back for a space, so that no word is split.
_WORD_MARGIN = 40


def first_chars(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """At most ``limit`` characters of ``text``, cut after a whole word when one ends near.

    Reads at most ``limit`` characters of ``text``, whatever its length.
    """
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ", limit - _WORD_MARGIN)
    return head[:space] if space > 0 else head


def cut_note(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, with a note saying how much was left unread."""
    head = first_chars(text, limit)
    if len(head) == len(text):
        return text
    unread = len(text) - len(head)
    return f"{head}\n[message coupé : les {unread} caractères suivants n'ont pas été lus]"
