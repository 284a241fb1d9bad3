"""A verified parent who asks for the calendar gets a short text and an .ics, decided in code."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ai.answerer import Answer
from ai.artifacts import CalendarArtifacts, asks_for_calendar, filename
from ai.handoffs import HandoffOpener
from ai.responder import Responder
from concierge_common.contracts.messages import GenerateReply, SendReply
from concierge_common.storage.media_storage import LocalMediaStorage
from support.ai_fakes import DELIVERY, NoStore, Published
from support.claude_store import turn

ZONE = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
FAMILY: dict[str, Any] = {
    "family": "Famille Lefèvre",
    "children": [
        {
            "first_name": "Léa",
            "group": "Groupe Samuel (CE1-CE2)",
            "catechist": "Anne Mercier",
            "schedule": "le mercredi de 10h à 11h15, salle Saint-Joseph",
            "next_sessions": ["2026-12-02", "2026-12-09", "2026-12-16"],
        },
        {
            "first_name": "Hugo",
            "group": "Éveil à la foi (3-6 ans)",
            "catechist": "Sœur Marie-Pierre",
            "schedule": "un dimanche par mois pendant la messe de 11h, salle Saint-Joseph",
            "next_sessions": ["2026-12-13"],
        },
    ],
}


@pytest.mark.parametrize(
    "text",
    [
        "Pouvez-vous m'envoyer le calendrier ?",
        "je voudrais ajouter les séances à mon agenda",
        "Envoyez-moi les dates svp",
        "vous avez un fichier .ics ?",
        "Le CALENDRIER de Léa",
    ],
)
def test_asking_for_the_calendar_is_recognised(text: str) -> None:
    assert asks_for_calendar(text)


@pytest.mark.parametrize(
    "text",
    [
        "Quand est la prochaine séance de Léa ?",
        "Combien coûte l'inscription ?",
        "Quelle est la date de la première communion ?",
        "Pouvez-vous m'envoyer le calendrier des communions ?",
        "Avez-vous l'agenda des messes de Noël ?",
        "",
    ],
)
def test_other_questions_are_not_a_calendar_request(text: str) -> None:
    assert not asks_for_calendar(text)


@pytest.mark.parametrize(
    "text",
    [
        "Le calendrier du caté et des messes des familles, s'il vous plaît",
        "Pouvez-vous m'envoyer le calendrier des enfants ?",
    ],
)
def test_the_catechism_named_with_another_event_still_gets_the_file(text: str) -> None:
    assert asks_for_calendar(text)


def test_the_file_is_named_after_the_family_without_accents() -> None:
    assert filename("Famille Lefèvre") == "catechese-lefevre.ics"
    assert filename("Famille Nguyen / Famille Martin") == "catechese-nguyen-martin.ics"
    assert filename("") == "catechese.ics"


def _artifacts(root: Path) -> CalendarArtifacts:
    return CalendarArtifacts(LocalMediaStorage(root), zone=ZONE, clock=lambda: NOW)


async def test_the_calendar_is_stored_and_attached_with_only_first_names(tmp_path: Path) -> None:
    asked = turn("Pouvez-vous m'envoyer le calendrier ?", service="CATECHESE", family=FAMILY)
    produced = await _artifacts(tmp_path).for_turn(asked)
    assert produced is not None
    attachment = produced.attachment
    data = (tmp_path / attachment.storage_key).read_bytes()
    assert attachment.storage_key.startswith("out/")
    assert attachment.storage_key.endswith(".ics")
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.size == len(data)
    assert attachment.mimetype == "text/calendar"
    assert attachment.filename == "catechese-lefevre.ics"
    assert (attachment.artifact_type, attachment.service) == ("ics", "CATECHESE")
    assert attachment.content == {"children": ["Léa", "Hugo"], "events": 3}
    assert data.count(b"BEGIN:VEVENT") == 3  # 2 December is past
    assert "Léa et Hugo" in produced.text
    assert "fichier joint" in produced.text


async def test_a_child_named_narrows_the_calendar_to_them(tmp_path: Path) -> None:
    asked = turn("le calendrier de Hugo svp", service="CATECHESE", family=FAMILY)
    produced = await _artifacts(tmp_path).for_turn(asked)
    assert produced is not None
    assert produced.attachment.content == {"children": ["Hugo"], "events": 1}
    assert produced.text.startswith("Voici la prochaine séance de catéchisme de Hugo.")


@pytest.mark.parametrize(("service", "family"), [("CATECHESE", None), ("RENSEIGNEMENT", FAMILY)])
async def test_no_file_without_a_verified_family(
    tmp_path: Path, service: str, family: dict[str, Any] | None
) -> None:
    asked = turn("Pouvez-vous m'envoyer le calendrier ?", service=service, family=family)
    assert await _artifacts(tmp_path).for_turn(asked) is None
    assert not await asyncio.to_thread(lambda: list(tmp_path.iterdir()))


async def test_no_file_when_no_session_is_ahead(tmp_path: Path) -> None:
    later = CalendarArtifacts(
        LocalMediaStorage(tmp_path), zone=ZONE, clock=lambda: datetime(2027, 6, 1, tzinfo=UTC)
    )
    asked = turn("le calendrier svp", service="CATECHESE", family=FAMILY)
    assert await later.for_turn(asked) is None


class NeverAsked:
    async def answer(self, turn: GenerateReply) -> Answer | None:
        raise AssertionError("the calendar is decided before any answerer")


async def test_the_responder_sends_the_calendar_as_a_file_reply(tmp_path: Path) -> None:
    published = Published()
    responder = Responder(
        published, NeverAsked(), HandoffOpener(NoStore()), artifacts=_artifacts(tmp_path)
    )
    asked = turn("Pouvez-vous m'envoyer le calendrier ?", service="CATECHESE", family=FAMILY)
    await responder(asked, DELIVERY)
    [(flow, reply)] = published.messages
    assert flow == "outbound"
    assert isinstance(reply, SendReply)
    assert reply.attachment is not None
    assert reply.attachment.mimetype == "text/calendar"
    assert reply.text.startswith("Voici les 3 prochaines séances")
    assert reply.in_reply_to_provider_id == asked.inbound.provider_message_id


async def test_the_calendars_message_lists_the_next_sessions_for_who_cannot_open_the_file(
    tmp_path: Path,
) -> None:
    asked = turn("le calendrier du caté de mes enfants ?", service="CATECHESE", family=FAMILY)
    produced = await _artifacts(tmp_path).for_turn(asked)
    assert produced is not None
    lines = produced.text.splitlines()
    assert lines[0].startswith("Voici les 3 prochaines séances de catéchisme de Léa et Hugo.")
    assert lines[1] == "Prochaines séances de Léa : mercredi 9 décembre et mercredi 16 décembre."
    assert lines[2] == "Prochaine séance de Hugo : dimanche 13 décembre."
