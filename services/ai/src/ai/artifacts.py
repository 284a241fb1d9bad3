"""Files ai produces and sends: the calendar of a verified parent's catechism sessions.

A verified parent (a CATECHESE turn with ``GenerateReply.family``) who asks for
the calendar ("Pouvez-vous m'envoyer le calendrier ?", "ajouter à mon agenda",
"envoyez-moi les dates", "le fichier .ics") gets a short text and an ``.ics`` of
the upcoming sessions (:mod:`ai.calendar_ics`) of the children named, or of
all of them. The decision is made in code, before and whatever the answerer
(Claude or offline): the file holds the family's record only, never a model's
words.

The file is written to the media storage (content-addressed: ``out/YYYY/MM/
<sha256>.ics``) and travels as a :class:`~concierge_common.contracts.messages.Attachment`
of the reply; the store records it as an ``ics`` artifact of the session. Its
``content`` names the children's first names and the number of events, nothing
else.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ai import calendar_ics, family
from ai.answerer import turn_text
from ai.facts import Clock, utc_now
from concierge_common.contracts.messages import Attachment, GenerateReply
from concierge_common.errors import DownstreamUnavailable
from concierge_common.french.text import words
from concierge_common.storage.media_storage import MediaStorage, media_key

log = logging.getLogger(__name__)

SERVICE = "CATECHESE"
MIMETYPE = "text/calendar"
ARTIFACT_TYPE = "ics"
# Words that ask for the calendar by themselves, and the pairs that do together.
CALENDAR_WORDS = frozenset({"calendrier", "calendriers", "agenda", "agendas", "ics", "ical"})
SEND_WORDS = frozenset(
    {
        "envoyer", "envoyez", "envoie", "envoies", "envoi", "recevoir", "transmettre",
        "transmettez", "telecharger", "fichier", "exporter", "ajouter", "avoir",
    }
)  # fmt: skip
DATE_WORDS = frozenset({"date", "dates", "seance", "seances"})
# Another calendar of the parish ("le calendrier des communions"): not the family's file,
# unless the catechism is named too ("les dates du caté et des messes des familles").
OTHER_EVENTS = frozenset(
    {
        "communion", "communions", "confirmation", "confirmations", "messe", "messes",
        "bapteme", "baptemes", "mariage", "mariages", "fete", "fetes", "kermesse",
        "pelerinage", "pelerinages", "retraite", "retraites", "concert", "concerts",
        "obseques", "vacances", "paroisse", "paroissial",
    }
)  # fmt: skip
CATECHISM_WORDS = frozenset(
    {"catechisme", "catechese", "cate", "kt", "seance", "seances", "enfant", "enfants"}
)


def asks_for_calendar(text: str) -> bool:
    """True when ``text`` asks for the sessions' calendar (a file to keep)."""
    said = set(words(text))
    if said & OTHER_EVENTS and not said & CATECHISM_WORDS:
        return False  # another calendar of the parish: answered from the facts
    if said & CALENDAR_WORDS:
        return True
    return bool(said & SEND_WORDS) and bool(said & DATE_WORDS)


@dataclass(frozen=True)
class Produced:
    """A reply with a file: ``text`` is its caption."""

    text: str
    attachment: Attachment


class CalendarArtifacts:
    """Writes a verified parent's calendar when they ask for it."""

    def __init__(self, storage: MediaStorage, *, zone: ZoneInfo, clock: Clock = utc_now) -> None:
        self._storage = storage
        self._zone = zone
        self._clock = clock

    async def for_turn(self, turn: GenerateReply) -> Produced | None:
        """The calendar the turn asks for, stored; None when it asks for none (or has none)."""
        if turn.family is None or turn.service != SERVICE:
            return None
        text = turn_text(turn)
        if not asks_for_calendar(text):
            return None
        children = family.parse_children(turn.family)
        concerned = family.read(text, children).children or children
        today = self._clock().astimezone(self._zone).date()
        name = str(turn.family.get("family", ""))
        found = calendar_ics.events(concerned, today, reference=_reference(name, turn.user_id))
        if not found:
            return None  # nothing ahead: the answerer says so in words
        stamp = datetime.fromtimestamp(turn.created_at, UTC)
        data = calendar_ics.calendar(found, stamp=stamp, zone=self._zone.key, name="Catéchèse")
        first_names = [child.first_name for child in concerned]
        content = {"children": first_names, "events": len(found)}
        attachment = await self._store(data, stamp, filename(name), content)
        log.info("calendar produced", extra={"events": len(found)})
        listed = family.next_sessions(concerned, today)
        return Produced(f"{caption(first_names, len(found))}\n{listed}", attachment)

    async def _store(
        self, data: bytes, stamp: datetime, name: str, content: dict[str, Any]
    ) -> Attachment:
        digest = hashlib.sha256(data).hexdigest()
        key = media_key("out", digest, ".ics", at=stamp)
        try:
            await self._storage.put(key, data, MIMETYPE)
        except OSError as exc:
            raise DownstreamUnavailable(f"media storage put: {type(exc).__name__}") from exc
        return Attachment(
            storage_key=key,
            mimetype=MIMETYPE,
            filename=name,
            size=len(data),
            sha256=digest,
            artifact_type=ARTIFACT_TYPE,
            service=SERVICE,
            content=content,
        )


def _reference(name: str, user_id: str) -> str:
    return f"{user_id}\x1f{name}"


def caption(first_names: list[str], count: int) -> str:
    """The text sent with the file."""
    of = f" de {_listed(first_names)}" if first_names else ""
    if count == 1:
        return (
            f"Voici la prochaine séance de catéchisme{of}. "
            "Ouvrez le fichier joint pour l'ajouter à votre agenda."
        )
    return (
        f"Voici les {count} prochaines séances de catéchisme{of}. "
        "Ouvrez le fichier joint pour les ajouter à votre agenda."
    )


def _listed(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} et {names[-1]}"


def filename(family_name: str) -> str:
    """``catechese-lefevre.ics`` for "Famille Lefèvre" (``catechese.ics`` without a name)."""
    folded = unicodedata.normalize("NFKD", family_name).encode("ascii", "ignore").decode()
    parts = [part for part in words(folded) if part != "famille"]
    slug = "-".join(parts)[:40].strip("-")
    return f"catechese-{slug}.ics" if slug else "catechese.ics"
