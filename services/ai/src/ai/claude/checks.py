"""Whether an answer Claude proposed may be sent to the person.

The model only proposes; this module decides. An answer is rejected when:

- it cites an id that was not among the facts sent (``unknown_citation``);
- it cites nothing and is not a courtesy (``uncited``). A courtesy is an
  answer of at most :data:`COURTESY_CHARS` characters without any digit
  ("Bonjour, que puis-je pour vous ?", "Avec plaisir !"): it carries no
  information, so nothing has to back it; anything with a time, a date, an
  amount or longer must rest on a fact;
- it gives a phone number, an e-mail address or a link that the facts sent
  (and the family record) do not contain (``unsourced_contact``);
- it repeats a run of :data:`LEAK_WORDS` words of the instructions that the
  facts do not contain as well (``prompt_leak``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ai.answerer import Kind
from ai.claude.prompt import FAMILY_ID, Prompt
from ai.claude.redaction import EMAIL
from ai.claude.tools import Reply
from concierge_common.french.text import fold, words

COURTESY_CHARS = 160
LEAK_WORDS = 8
PHONE_LIKE = re.compile(r"\+?\d(?:[\s.-]?\d){7,}")
LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:fr|com|org|net|eu|info|io|be|ch|pt|br)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verdict:
    """``problem`` is empty when the answer may be sent."""

    problem: str = ""
    kind: Kind = "fact"

    @property
    def accepted(self) -> bool:
        return not self.problem


def verify(reply: Reply, prompt: Prompt) -> Verdict:
    """Whether ``reply`` may be sent, given what ``prompt`` gave Claude."""
    if any(cited not in prompt.fact_ids for cited in reply.cited):
        return Verdict("unknown_citation")
    if not reply.cited and not is_courtesy(reply.text):
        return Verdict("uncited")
    if unsourced_contacts(reply.text, prompt.sources):
        return Verdict("unsourced_contact")
    if leaks(reply.text, prompt.instructions, prompt.sources):
        return Verdict("prompt_leak")
    return Verdict(kind=_kind(reply))


def _kind(reply: Reply) -> Kind:
    if not reply.cited:
        return "courtesy"
    return "family" if set(reply.cited) == {FAMILY_ID} else "fact"


def is_courtesy(text: str) -> bool:
    return len(text) <= COURTESY_CHARS and not any(char.isdigit() for char in text)


def unsourced_contacts(text: str, sources: str) -> list[str]:
    """The phone numbers, e-mail addresses and links of ``text`` absent from ``sources``."""
    phones = PHONE_LIKE.findall(text)
    emails = EMAIL.findall(text)
    links = [found for found in LINK.findall(text) if "@" not in found]
    if not (phones or emails or links):
        return []  # most answers: the sources need not be searched
    missing = []
    if phones:
        known_phones = {_phone(found) for found in PHONE_LIKE.findall(sources)}
        missing += [found for found in phones if _phone(found) not in known_phones]
    if emails:
        lowered = sources.lower()
        missing += [found for found in emails if found.lower() not in lowered]
    if links:
        known_text = _link(sources)
        missing += [found for found in links if _link(found).rstrip("/.,;:!?)") not in known_text]
    return missing


def _phone(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    for prefix in ("0033", "33"):
        if text.lstrip().startswith(("+", "00")) and digits.startswith(prefix):
            return "0" + digits[len(prefix) :]
    return digits


def _link(text: str) -> str:
    return re.sub(r"https?://|www\.", "", text.lower())


def leaks(text: str, instructions: str, sources: str) -> bool:
    """True when ``text`` repeats :data:`LEAK_WORDS` consecutive words of the instructions.

    That is, a run of the answer found in the instructions but not in the sources.
    The instructions are a service's prompt and the rules, the same text turn after
    turn, and the sources a service's facts: both are folded into runs once
    (:func:`_known_shingles`), not on every answer.
    """
    said = _shingles(text)
    if not said:
        return False
    told = said & _known_shingles(instructions)
    return bool(told and told - _known_shingles(sources))


def _shingles(text: str) -> set[tuple[str, ...]]:
    seq = words(fold(text))
    return {tuple(seq[i : i + LEAK_WORDS]) for i in range(len(seq) - LEAK_WORDS + 1)}


@lru_cache(maxsize=64)
def _known_shingles(text: str) -> frozenset[tuple[str, ...]]:
    return frozenset(_shingles(text))
