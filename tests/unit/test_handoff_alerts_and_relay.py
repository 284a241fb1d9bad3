"""HandoffRequested alerts staff and tells the person; RelayToStaff forwards or returns."""

from __future__ import annotations

import logging

import msgspec
import pytest

from concierge_common import ids
from concierge_common.contracts.messages import MEDIA_TOO_LARGE, MediaRef, written_time
from handoff import phrases
from handoff.desk import Actor
from support.handoff_fakes import (
    CLOSED_TIME,
    PERSON_CHAT,
    PERSON_CONVERSATION,
    SESSION,
    STAFF_CHAT,
    assemble,
    relayed,
    requested,
)

STAFF = Actor("staff", "Paul")


async def test_staff_get_the_reference_reason_name_summary_and_how_to_reply() -> None:
    parts = assemble()
    handoff = parts.store.open(summary="Je voudrais parler au père Martin")

    await parts.alerts(requested(handoff, push_name="Marie"))

    [alert] = parts.publisher.to_staff()
    assert f"Nouvelle demande {handoff.reference}" in alert.text
    assert "Motif : la personne demande à parler à quelqu'un" in alert.text
    assert "De : Marie" in alert.text
    assert "Message : Je voudrais parler au père Martin" in alert.text
    assert f"« {handoff.reference} votre réponse »" in alert.text
    assert PERSON_CHAT.split("@")[0] not in alert.text  # never the phone number
    assert alert.conversation_id == ids.conversation_id(
        "unit-conversation-key", SESSION, STAFF_CHAT
    )


async def test_in_office_hours_the_person_is_told_someone_will_answer() -> None:
    parts = assemble()
    handoff = parts.store.open()

    await parts.alerts(requested(handoff))

    [notice] = parts.publisher.to_person()
    assert notice.conversation_id == PERSON_CONVERSATION
    assert notice.origin == "handoff"
    assert "Une personne vous répondra ici dès que possible" in notice.text
    assert "du lundi au vendredi de 9h30 à 12h" in notice.text


async def test_the_notice_says_when_the_message_it_answers_was_written() -> None:
    parts = assemble()
    request = requested(parts.store.open())

    await parts.alerts(request)

    [notice] = parts.publisher.to_person()
    assert notice.in_reply_to_at == written_time(request.inbound)  # checked against erasures


async def test_out_of_hours_the_person_is_told_the_office_is_closed_and_when_it_opens() -> None:
    parts = assemble(now=CLOSED_TIME)  # a Sunday afternoon
    handoff = parts.store.open()

    await parts.alerts(requested(handoff))

    [notice] = parts.publisher.to_person()
    assert notice.text.startswith("L'accueil paroissial est actuellement fermé.")
    assert "(demain à 9h30)" in notice.text


async def test_the_store_prompts_replace_the_built_in_texts() -> None:
    parts = assemble()
    parts.store.prompt_table["CONTACT_HUMAIN"] = {
        "handoff_started": "Un instant, je préviens l'accueil ({horaires}).",
    }
    handoff = parts.store.open()

    await parts.alerts(requested(handoff))

    [notice] = parts.publisher.to_person()
    assert notice.text == (
        "Un instant, je préviens l'accueil (du lundi au vendredi de 9h30 à 12h et de 14h30"
        " à 18h, le samedi de 9h30 à 12h)."
    )


@pytest.mark.parametrize(
    ("summary", "expected", "hours"),
    [
        (
            "Can I speak to someone from the parish please?",
            "Someone will answer you here",
            "from Monday to Friday from 9h30 to 12h and from 14h30 to 18h, on Saturday",
        ),
        (
            "Posso falar com uma pessoa da paróquia?",
            "Uma pessoa irá responder-lhe aqui",
            "de segunda a sexta das 9h30 às 12h e das 14h30 às 18h, ao sábado",
        ),
        (
            "¿Puedo hablar con una persona de la parroquia?",
            "Una persona le responderá aquí",
            "de lunes a viernes de 9h30 a 12h y de 14h30 a 18h, el sábado",
        ),
    ],
)
async def test_a_person_who_wrote_in_another_language_is_told_in_that_language(
    summary: str, expected: str, hours: str
) -> None:
    parts = assemble()
    parts.store.prompt_table["CONTACT_HUMAIN"] = {"handoff_started": "Un instant ({horaires})."}

    await parts.alerts(requested(parts.store.open(summary=summary)))

    [notice] = parts.publisher.to_person()
    assert expected in notice.text
    assert hours in notice.text  # the configured hours, said in the person's language
    [alert] = parts.publisher.to_staff()
    assert "Motif : la personne demande à parler à quelqu'un" in alert.text  # staff: French


async def test_a_redelivered_request_alerts_and_tells_only_once() -> None:
    parts = assemble()
    handoff = parts.store.open()
    request = requested(handoff)

    await parts.alerts(request)
    await parts.alerts(request)
    # Another producer asking again for the same open handoff changes nothing either.
    await parts.alerts(msgspec.structs.replace(request, message_id=ids.new_id()))

    assert len(parts.publisher.to_staff()) == 1
    assert len(parts.publisher.to_person()) == 1


async def test_a_handoff_already_owned_by_a_human_alerts_staff_without_telling_the_person() -> None:
    parts = assemble()
    handoff = parts.store.open(reason="operator_replied", assigned_to="phone")

    await parts.alerts(requested(handoff))

    assert len(parts.publisher.to_staff()) == 1
    assert parts.publisher.to_person() == []


async def test_a_request_for_an_ended_handoff_is_ignored() -> None:
    parts = assemble()
    handoff = parts.store.open()
    await parts.desk.close(handoff, STAFF, correlation_id="c")
    parts.publisher.clear()

    await parts.alerts(requested(handoff))

    assert parts.publisher.published == []


async def test_a_request_without_an_open_handoff_still_reaches_staff() -> None:
    parts = assemble()
    handoff = parts.store.open()
    request = msgspec.structs.replace(requested(handoff), handoff_id="")
    parts.store.handoffs.clear()

    await parts.alerts(request)

    [alert] = parts.publisher.to_staff()
    assert "Aucun dossier n'est ouvert" in alert.text
    assert parts.publisher.to_person() == []


async def test_without_a_staff_chat_the_alert_is_only_logged_and_the_person_still_told(
    caplog: pytest.LogCaptureFixture,
) -> None:
    parts = assemble(staff_chat_id="")
    handoff = parts.store.open()

    with caplog.at_level(logging.WARNING):
        await parts.alerts(requested(handoff))

    assert parts.publisher.replies("outbound") == []
    assert any("STAFF_CHAT_ID is not set" in r.getMessage() for r in caplog.records)
    assert len(parts.publisher.to_person()) == 1


async def test_a_person_message_is_relayed_to_staff_with_the_reference() -> None:
    parts = assemble()
    handoff = parts.store.open()

    await parts.relay(relayed("C'est pour un baptême en juin"))

    [relay] = parts.publisher.to_staff()
    assert relay.text == f"[{handoff.reference}] Marie : C'est pour un baptême en juin"
    assert parts.store.handoffs[handoff.id].last_person_at == parts.clock()
    assert parts.publisher.to_person() == []


async def test_a_photo_is_announced_to_staff_with_its_caption() -> None:
    parts = assemble()
    handoff = parts.store.open()

    await parts.relay(relayed("le certificat", kind="image"))

    [relay] = parts.publisher.to_staff()
    assert relay.text.startswith(f"[{handoff.reference}] Marie a envoyé une photo : le certificat")


async def test_a_kept_file_is_sent_on_to_staff_with_the_relay() -> None:
    parts = assemble()
    handoff = parts.store.open()
    photo = MediaRef(
        mimetype="image/jpeg",
        filename="certificat.jpg",
        storage_key="in/2026/11/" + "a" * 64 + ".jpg",
        size=1234,
        sha256="a" * 64,
    )

    await parts.relay(relayed("le certificat", kind="image", media=photo))

    [relay] = parts.publisher.to_staff()
    assert relay.text == (
        f"[{handoff.reference}] Marie a envoyé une photo : le certificat (fichier joint)"
    )
    assert relay.attachment is not None
    assert (relay.attachment.storage_key, relay.attachment.mimetype) == (
        photo.storage_key,
        "image/jpeg",
    )
    assert relay.attachment.artifact_type == ""  # the person's file, not something produced


async def test_a_file_the_gateway_could_not_keep_is_announced_as_such() -> None:
    parts = assemble()
    parts.store.open()

    await parts.relay(relayed("", kind="document", media=MediaRef(error=MEDIA_TOO_LARGE)))

    [relay] = parts.publisher.to_staff()
    assert relay.attachment is None
    assert relay.text.endswith("(le fichier n'a pas pu être reçu ; demandez-le à nouveau)")


async def test_an_api_callers_message_is_acknowledged_a_whatsapp_persons_is_not() -> None:
    parts = assemble()
    parts.store.open()
    from_web = relayed("Et pour la date ?")
    from_web = msgspec.structs.replace(
        from_web, inbound=msgspec.structs.replace(from_web.inbound, channel="api")
    )

    await parts.relay(relayed("Et pour l'heure ?"))
    assert parts.publisher.to_person() == []
    await parts.relay(from_web)

    [ack] = parts.publisher.to_person()
    assert ack.text == phrases.PERSON_DEFAULTS[phrases.RELAYED]
    assert ack.origin == "handoff"  # POST /orchestrate reports handed_off
    assert len(parts.publisher.to_staff()) == 2


async def test_cancel_returns_to_the_bot_and_tells_the_person_and_staff() -> None:
    parts = assemble()
    handoff = parts.store.open()

    await parts.relay(relayed("annuler", cancel=True))

    assert parts.store.handoffs[handoff.id].state == "returned"
    assert parts.store.history[handoff.id][-1].actor == "person"
    [ended] = parts.publisher.to_person()
    assert ended.text.startswith("La conversation avec l'accueil paroissial est terminée")
    [staff] = parts.publisher.to_staff()
    assert "Conversation rendue à l'assistant : la personne a choisi d'y revenir." in staff.text


async def test_a_message_after_the_handoff_ended_asks_the_person_to_repeat() -> None:
    parts = assemble()
    handoff = parts.store.open()
    await parts.desk.return_to_bot(handoff, STAFF, correlation_id="c")
    parts.publisher.clear()

    await parts.relay(relayed("Et pour la date ?"))

    assert parts.publisher.to_staff() == []
    [answer] = parts.publisher.to_person()
    assert "votre dernier message ne lui a pas été transmis" in answer.text
    assert answer.conversation_id == PERSON_CONVERSATION


async def test_out_of_hours_in_english_says_when_the_office_opens_in_english() -> None:
    parts = assemble(now=CLOSED_TIME)  # a Sunday afternoon
    handoff = parts.store.open(summary="Can I talk to someone please?")

    await parts.alerts(requested(handoff))

    [notice] = parts.publisher.to_person()
    assert notice.text.startswith("The parish office is closed at the moment.")
    assert "(tomorrow at 9h30)" in notice.text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Une vraie personne svp, pas un robot", "L'accueil paroissial est actuellement fermé"),
        ("Quero falar com o padre, por favor", "A secretaria paroquial está fechada"),
        ("Quiero hablar con el cura, por favor", "La secretaría parroquial está cerrada"),
    ],
)
async def test_a_short_request_is_told_in_its_own_language(message: str, expected: str) -> None:
    parts = assemble(now=CLOSED_TIME)

    await parts.alerts(requested(parts.store.open(summary=message)))

    [notice] = parts.publisher.to_person()
    assert notice.text.startswith(expected)


async def test_the_persons_own_message_outweighs_the_answerers_french_label() -> None:
    parts = assemble(now=CLOSED_TIME)
    handoff = parts.store.open(summary="Décès annoncé — My dad died")
    request = requested(handoff)
    request = msgspec.structs.replace(
        request, inbound=msgspec.structs.replace(request.inbound, text="My dad died")
    )

    await parts.alerts(request)

    [notice] = parts.publisher.to_person()
    assert notice.text.startswith("The parish office is closed at the moment.")
