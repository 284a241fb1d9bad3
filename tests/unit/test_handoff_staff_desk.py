"""The staff chat and the RPC desk drive the same desk actions."""

from __future__ import annotations

import pytest

from concierge_common.contracts import handoff_api as api
from concierge_common.errors import Conflict, InvalidRequest, NotFound
from handoff.desk_ops import DeskOperations
from support.handoff_fakes import (
    PERSON_CONVERSATION,
    STAFF_CHAT,
    STAFF_CONVERSATION,
    Parts,
    assemble,
    staff_says,
)


def _answers(parts: Parts) -> list[str]:
    return [reply.text for reply in parts.publisher.to_staff()]


async def test_a_staff_reply_reaches_the_person_and_makes_the_handoff_active() -> None:
    parts = assemble()
    handoff = parts.store.open()

    await parts.staff_chat(staff_says(f"{handoff.reference} Bonjour Marie, très volontiers !"))

    [reply] = parts.publisher.to_person()
    assert reply.text == "Bonjour Marie, très volontiers !"
    assert reply.origin == "staff"
    assert reply.conversation_id == PERSON_CONVERSATION
    after = parts.store.handoffs[handoff.id]
    assert after.state == "active"
    assert after.assigned_to == "Paul"
    assert _answers(parts) == []  # the staff chat already shows the staff's own message


async def test_a_redelivered_staff_reply_reaches_the_person_once() -> None:
    parts = assemble()
    handoff = parts.store.open()
    message = staff_says(f"{handoff.reference} Oui")

    await parts.staff_chat(message)
    await parts.staff_chat(message)

    assert len(parts.publisher.to_person()) == 1


async def test_fin_returns_to_the_bot_and_tells_the_person_and_staff() -> None:
    parts = assemble()
    handoff = parts.store.open()

    await parts.staff_chat(staff_says(f"{handoff.reference} fin"))

    assert parts.store.handoffs[handoff.id].state == "returned"
    assert parts.store.history[handoff.id][-1].actor == "staff:Paul"
    [ended] = parts.publisher.to_person()
    assert "La conversation avec l'accueil paroissial est terminée" in ended.text
    assert _answers(parts) == [f"[{handoff.reference}] Conversation rendue à l'assistant par Paul."]


async def test_prendre_assigns_to_the_writer_and_clore_closes_silently_for_the_person() -> None:
    parts = assemble()
    handoff = parts.store.open()

    await parts.staff_chat(staff_says(f"{handoff.reference} prendre", push_name="Anne"))
    await parts.staff_chat(staff_says(f"{handoff.reference} clore", push_name="Anne"))

    after = parts.store.handoffs[handoff.id]
    assert (after.state, after.assigned_to) == ("closed", "Anne")
    assert _answers(parts) == [
        f"[{handoff.reference}] Prise en charge par Anne.",
        f"[{handoff.reference}] Demande close par Anne.",
    ]
    assert parts.publisher.to_person() == []


async def test_liste_lists_the_open_handoffs_oldest_first() -> None:
    parts = assemble()
    first = parts.store.open(summary="Baptême de Léo")
    parts.clock.advance(300)
    second = parts.store.open(summary="Messe pour un défunt")
    parts.clock.advance(60)

    await parts.staff_chat(staff_says("liste"))

    [answer] = _answers(parts)
    assert answer.splitlines() == [
        "Demandes ouvertes (2) :",
        f"• {first.reference} — en attente, il y a 6 min — Baptême de Léo",
        f"• {second.reference} — en attente, il y a 1 min — Messe pour un défunt",
    ]


async def test_unknown_staff_text_gets_the_help() -> None:
    parts = assemble()

    await parts.staff_chat(staff_says("Quelqu'un peut regarder ?"))

    [answer] = _answers(parts)
    assert answer.startswith("Je n'ai pas compris ce message.")
    assert "H1234 fin" in answer


async def test_a_wrong_reference_gets_a_clear_answer() -> None:
    parts = assemble()
    parts.store.open()

    await parts.staff_chat(staff_says("HZZZZ Bonjour"))

    assert _answers(parts) == [
        "Aucune demande HZZZZ. Tapez « liste » pour voir les demandes ouvertes."
    ]
    assert parts.publisher.to_person() == []


async def test_replying_to_a_returned_handoff_says_it_is_too_late() -> None:
    parts = assemble()
    handoff = parts.store.open()
    await parts.staff_chat(staff_says(f"{handoff.reference} fin"))
    parts.publisher.clear()

    await parts.staff_chat(staff_says(f"{handoff.reference} Encore une chose"))

    assert _answers(parts) == [
        f"La demande {handoff.reference} est rendue à l'assistant : cette action n'est plus"
        " possible. Tapez « liste » pour voir les demandes ouvertes."
    ]
    assert parts.publisher.to_person() == []


async def test_a_staff_photo_is_not_relayed() -> None:
    parts = assemble()
    handoff = parts.store.open()

    await parts.staff_chat(staff_says(f"{handoff.reference} le formulaire", kind="document"))

    assert parts.publisher.to_person() == []
    assert _answers(parts) == [
        f"[{handoff.reference}] Seuls les messages texte peuvent être transmis à la personne."
    ]


async def test_answers_go_back_to_the_chat_the_staff_wrote_from() -> None:
    parts = assemble()

    await parts.staff_chat(staff_says("aide"))

    [answer] = parts.publisher.replies("outbound")
    assert (answer.chat_id, answer.conversation_id) == (STAFF_CHAT, STAFF_CONVERSATION)


async def test_desk_rpc_reply_is_idempotent_with_a_request_id_and_copied_to_staff() -> None:
    parts = assemble()
    handoff = parts.store.open()
    ops = DeskOperations(parts.store, parts.desk)
    request = api.DeskReply(id=handoff.id, text="Bonjour !", staff="Paul", request_id="k-1")

    first = await ops.reply(request)
    await ops.reply(request)

    assert first.state == "active"
    assert [r.text for r in parts.publisher.to_person()] == ["Bonjour !"]
    assert _answers(parts) == [f"[{handoff.reference}] Réponse de Paul (console) : Bonjour !"]


async def test_desk_rpc_return_uses_the_api_actor() -> None:
    parts = assemble()
    handoff = parts.store.open()
    ops = DeskOperations(parts.store, parts.desk)

    returned = await ops.return_to_bot(api.DeskAction(id=handoff.id, staff="Paul"))

    assert returned.state == "returned"
    assert parts.store.history[handoff.id][-1].actor == "api:Paul"
    assert len(parts.publisher.to_person()) == 1


async def test_desk_rpc_keeps_not_found_and_conflict() -> None:
    parts = assemble()
    handoff = parts.store.open()
    ops = DeskOperations(parts.store, parts.desk)
    await ops.close(api.DeskAction(id=handoff.id, staff="Paul"))

    with pytest.raises(NotFound):
        await ops.assign(api.DeskAction(id="00000000-0000-0000-0000-000000000000"))
    with pytest.raises(Conflict):
        await ops.return_to_bot(api.DeskAction(id=handoff.id))
    with pytest.raises(Conflict):
        await ops.reply(api.DeskReply(id=handoff.id, text="trop tard"))


async def test_desk_rpc_refuses_an_empty_reply() -> None:
    parts = assemble()
    handoff = parts.store.open()
    ops = DeskOperations(parts.store, parts.desk)

    with pytest.raises(InvalidRequest) as raised:
        await ops.reply(api.DeskReply(id=handoff.id, text="   "))
    assert raised.value.status == 422


async def test_desk_rpc_get_returns_the_handoff_and_its_events() -> None:
    parts = assemble()
    handoff = parts.store.open()
    ops = DeskOperations(parts.store, parts.desk)
    await ops.assign(api.DeskAction(id=handoff.id, staff="Anne"))

    found = await ops.get(api.DeskAction(id=handoff.id))

    assert found.handoff.state == "assigned"
    assert [(e.from_state, e.to_state) for e in found.events] == [
        (None, "requested"),
        ("requested", "assigned"),
    ]


async def test_desk_rpc_list_filters_by_state() -> None:
    parts = assemble()
    kept = parts.store.open()
    gone = parts.store.open()
    ops = DeskOperations(parts.store, parts.desk)
    await ops.close(api.DeskAction(id=gone.id))

    assert [h.id for h in await ops.list_handoffs(api.DeskQuery())] == [kept.id]
    closed = await ops.list_handoffs(api.DeskQuery(states=["closed"]))
    assert [h.id for h in closed] == [gone.id]
