"""One person behind several WhatsApp ids: the store links the ids the gateway resolved.

The first of ``[whatsapp_id, *aliases]`` already owned names the person, the
unowned ones are linked to them, an id owned by someone else is never taken
(users are not merged automatically), and concurrent first messages still end
with one person.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from concierge_common.contracts.messages import MessageReceived
from store.recorder import Recorder
from support.store_recording import deliver
from support.store_sessions import SessionStore

PHONE = "33612345678@c.us"
LID = "999888777@lid"
OTHER_PHONE = "33699999999@c.us"


async def ids_of(store: SessionStore, user_id: str) -> list[str]:
    return sorted((await store.users.get(user_id)).whatsapp_ids)


async def user_count(store: SessionStore) -> int:
    return int(await store.pool.fetchval("SELECT count(*) FROM users"))


async def test_a_linked_id_is_linked_to_the_person_its_phone_id_names(
    store: SessionStore,
) -> None:
    person = await store.users.resolve(store.pool, PHONE, "Marie")
    assert await store.users.resolve(store.pool, LID, aliases=[PHONE]) == person
    assert await ids_of(store, person) == sorted([LID, PHONE])
    assert await store.users.resolve(store.pool, LID) == person  # known by itself now
    assert await user_count(store) == 1


async def test_a_new_person_is_created_once_with_all_their_ids(store: SessionStore) -> None:
    person = await store.users.resolve(store.pool, LID, "Marie", aliases=[PHONE])
    assert await ids_of(store, person) == sorted([LID, PHONE])
    assert await store.users.resolve(store.pool, PHONE) == person
    assert (await store.users.get(person)).name == "Marie"


async def test_resolving_again_changes_nothing(store: SessionStore) -> None:
    person = await store.users.resolve(store.pool, LID, aliases=[PHONE, PHONE, LID])
    assert await store.users.resolve(store.pool, LID, aliases=[PHONE]) == person
    assert await store.users.resolve(store.pool, PHONE, aliases=[LID]) == person
    assert await store.pool.fetchval("SELECT count(*) FROM user_whatsapp_ids") == 2
    assert await user_count(store) == 1


async def test_an_alias_owned_by_another_person_is_never_taken(
    store: SessionStore, caplog: pytest.LogCaptureFixture
) -> None:
    owner = await store.users.resolve(store.pool, OTHER_PHONE)
    person = await store.users.resolve(store.pool, PHONE)
    caplog.set_level(logging.WARNING, logger="store.users")
    assert await store.users.resolve(store.pool, PHONE, aliases=[OTHER_PHONE, LID]) == person
    assert await ids_of(store, owner) == [OTHER_PHONE]
    assert await ids_of(store, person) == sorted([LID, PHONE])
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["alias left to another user: not merged automatically"]
    assert await user_count(store) == 2


async def test_the_first_owned_id_names_the_person_when_both_are_owned(
    store: SessionStore,
) -> None:
    from_lid = await store.users.resolve(store.pool, LID)
    from_phone = await store.users.resolve(store.pool, PHONE)
    assert await store.users.resolve(store.pool, LID, aliases=[PHONE]) == from_lid
    assert await store.users.resolve(store.pool, PHONE, aliases=[LID]) == from_phone
    assert await ids_of(store, from_lid) == [LID]
    assert await ids_of(store, from_phone) == [PHONE]


async def test_an_alias_that_is_no_persons_id_is_ignored(store: SessionStore) -> None:
    person = await store.users.resolve(store.pool, LID, aliases=["120363041111111111@g.us", ""])
    assert await ids_of(store, person) == [LID]


async def test_concurrent_first_messages_from_both_ids_make_one_person(
    store: SessionStore,
) -> None:
    resolving = [store.users.resolve(store.pool, LID, aliases=[PHONE]) for _ in range(6)]
    resolving += [store.users.resolve(store.pool, PHONE) for _ in range(2)]
    people = await asyncio.gather(*resolving)
    assert len(set(people)) == 1
    assert await ids_of(store, people[0]) == sorted([LID, PHONE])
    assert await user_count(store) == 1


async def test_concurrent_links_of_a_known_person_link_once(store: SessionStore) -> None:
    person = await store.users.resolve(store.pool, PHONE)
    people = await asyncio.gather(
        *(store.users.resolve(store.pool, LID, aliases=[PHONE]) for _ in range(8))
    )
    assert set(people) == {person}
    assert await ids_of(store, person) == sorted([LID, PHONE])
    assert await user_count(store) == 1


async def test_opening_a_session_from_the_linked_id_continues_the_persons_session(
    store: SessionStore,
) -> None:
    first = await store.sessions.open(PHONE, "Marie")
    again = await store.sessions.open(LID, "Marie", aliases=[PHONE])
    assert (again.id, again.user_id, again.created) == (first.id, first.user_id, False)
    assert await ids_of(store, first.user_id) == sorted([LID, PHONE])


async def test_a_message_from_the_linked_id_is_stored_in_the_persons_session(
    store: SessionStore, recorder: Recorder
) -> None:
    session = await store.sessions.open(PHONE, "Marie")
    message = MessageReceived(
        message_id=uuid.uuid4().hex,
        conversation_id="cd" * 16,
        correlation_id="evt_1",
        session="default",
        chat_id=LID,
        sender_id=LID,
        provider_message_id=f"false_{LID}_AAA",
        text="Bonjour",
        sent_at=1_700_000_000,
        aliases=[PHONE],
    )
    await deliver(recorder, message)
    rows = await store.pool.fetch("SELECT session_id FROM interactions")
    assert [str(row["session_id"]) for row in rows] == [session.id]
    assert await ids_of(store, session.user_id) == sorted([LID, PHONE])
    assert await user_count(store) == 1
