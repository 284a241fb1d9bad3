"""Issue 14 item 5: a privacy erasure leaves no trace of the person anywhere.

A person writes from their phone id and from their linked id (``@lid``: the
gateway's ``wa_lids`` bucket pairs the two), asks for a human, and while staff
own the conversation sends a text and a file: both are relayed to the staff
chat (here a staff member's own phone, so the store records the relays in that
member's session, the file linked there too). One of their messages is dead-
lettered as the bus does it. Redis holds their rate-limit window and the
router's dedup keys. Then ``DELETE /admin/users/{id}``: afterwards every store
(each PostgreSQL table, every message of the conversation and dead-letter
streams, every key-value bucket, every Redis key of the namespace, the media
folder) is searched for their phone number, linked id, conversation id,
handoff reference and message bodies, and holds none of them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import asyncpg
import nats
import redis.asyncio as aioredis
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from concierge_common import ids
from concierge_common.bus.settle import DeadLetters
from concierge_common.bus.topology import Topology
from concierge_common.errors import PermanentError
from gateway.api.auth import mint_token
from support import fixtures
from support.conversation import REFERENCE, Conversation, texts_to, wait_for
from support.polling import HANG_GUARD, eventually
from support.settling import settled
from support.stack import JWT_SECRET, Stack, running_stack

PHONE = "33612340077@c.us"
NUMBER = "33612340077"
LID = "88877766655@lid"
STAFF = "33699990001@c.us"  # a staff member's own phone as the staff chat
SECRET_TEXT = "ma fille Zoé Quentin-Baptiste est malade"
FILE_CAPTION = "voici le certificat de Zoé"
CERTIFICATE = b"%PDF-1.4 certificat medical de Zoe Quentin-Baptiste"


def _admin() -> dict[str, str]:
    token = mint_token(
        JWT_SECRET, subject="dpo", roles=["admin"], ttl_seconds=300, audience="concierge-api"
    )
    return {"authorization": f"Bearer {token}"}


def _document(chat: str, stack: Stack) -> dict[str, Any]:
    body = copy.deepcopy(fixtures.text_message(chat, FILE_CAPTION))
    payload = body["payload"]
    url = stack.waha.add_file(f"{payload['id']}.pdf", CERTIFICATE, "application/pdf")
    payload["hasMedia"] = True
    payload["media"] = {"url": url, "mimetype": "application/pdf", "filename": "certif.pdf"}
    return body


def _needles(env: dict[str, str], reference: str) -> dict[str, bytes]:
    conversation = ids.conversation_id(env["CONVERSATION_ID_KEY"], "default", PHONE)
    found = {
        "phone": NUMBER,
        "linked id": LID.split("@")[0],
        "conversation": conversation,
        "reference": reference,
        "body": "Quentin-Baptiste",
        "caption": "certificat de Zo",
    }
    return {name: value.encode() for name, value in found.items()}


def _hits(where: str, haystack: bytes, needles: dict[str, bytes]) -> list[str]:
    return [f"{name} in {where}" for name, needle in needles.items() if needle in haystack]


async def _database_hits(database_url: str, needles: dict[str, bytes]) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'schema_migrations'"
        )
        hits: list[str] = []
        for row in tables:
            table = row["tablename"]
            rows = await conn.fetch(f'SELECT t::text AS row FROM "{table}" t')  # noqa: S608
            haystack = "\n".join(r["row"] for r in rows).encode()
            hits += _hits(f"table {table}", haystack, needles)
    finally:
        await conn.close()
    return hits


async def _stream_messages(js: Any, stream: str) -> list[Any]:
    info = await js.stream_info(stream)
    if not info.state.messages:
        return []
    subjects = info.config.subjects or [">"]
    config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL)
    reader = await js.pull_subscribe(subjects[0], stream=stream, config=config)
    found: list[Any] = []
    try:
        while len(found) < info.state.messages:
            batch = await reader.fetch(256, timeout=HANG_GUARD)
            found += batch
            if not batch[-1].metadata.num_pending:
                break
    finally:
        await reader.unsubscribe()
    return found


async def _bus_hits(env: dict[str, str], topo: Topology, needles: dict[str, bytes]) -> list[str]:
    nc = await nats.connect(env["NATS_URL"])
    try:
        js = nc.jetstream()
        names = [topo.stream, topo.dlq_stream]
        streams = await js.streams_info()
        buckets = [str(s.config.name) for s in streams]
        names += [name for name in buckets if name.startswith(f"KV_{topo.name_prefix}")]
        hits: list[str] = []
        for name in names:
            for msg in await _stream_messages(js, name):
                headers = "".join(f"{k}{v}" for k, v in (msg.headers or {}).items())
                haystack = msg.subject.encode() + headers.encode() + (msg.data or b"")
                hits += _hits(f"stream {name}", haystack, needles)
    finally:
        await nc.close()
    return hits


async def _redis_hits(env: dict[str, str], needles: dict[str, bytes]) -> list[str]:
    client = aioredis.from_url(env["REDIS_URL"])
    try:
        hits: list[str] = []
        async for key in client.scan_iter(match=f"{env['BUS_NAMESPACE']}:*"):
            value = await client.dump(key) or b""
            hits += _hits(f"redis {key!r}", key + value, needles)
    finally:
        await client.aclose()
    return hits


def _media_hits(folder: Path) -> list[str]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return [f"file {path.name}" for path in files if path.read_bytes() == CERTIFICATE]


async def _everywhere(stack: Stack, media: Path, needles: dict[str, bytes]) -> list[str]:
    env = stack.env
    return [
        *await _database_hits(env["DATABASE_URL"], needles),
        *await _bus_hits(env, stack.topology, needles),
        *await _redis_hits(env, needles),
        *_media_hits(media),
    ]


async def _dead_letter_first_message(stack: Stack) -> None:
    """Dead-letter the person's first message as the router's bus would."""
    nc = await nats.connect(stack.env["NATS_URL"])
    try:
        js = nc.jetstream()
        conversation = ids.conversation_id(stack.env["CONVERSATION_ID_KEY"], "default", PHONE)
        config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL)
        reader = await js.pull_subscribe(
            stack.topology.subject("inbound", conversation),
            stream=stack.topology.stream,
            config=config,
        )
        [msg] = await reader.fetch(1, timeout=HANG_GUARD)
        error = PermanentError("the router cannot handle this message")
        await DeadLetters(nc, stack.topology, "router").put(msg, "sent", error, attempts=1)
        await reader.unsubscribe()
    finally:
        await nc.close()


def _staff_texts(stack: Stack) -> list[str]:
    return texts_to(stack, STAFF)


async def _went_through_everything(stack: Stack) -> str:
    """The person's journey; returns their handoff's reference."""
    stack.waha.lids[LID] = PHONE
    person = Conversation(stack, PHONE)
    await person.send("Je voudrais parler à quelqu'un")
    await wait_for(lambda: len(_staff_texts(stack)) >= 1, HANG_GUARD, lambda: _staff_texts(stack))
    match = REFERENCE.search(_staff_texts(stack)[0])
    assert match is not None
    await Conversation(stack, LID).send(SECRET_TEXT)
    assert (await stack.post(_document(PHONE, stack))).status_code == 200

    async def file_relayed() -> list[Any]:
        return [call for call in stack.waha.calls("sendFile") if call.body["chatId"] == STAFF]

    await eventually(file_relayed)
    await wait_for(
        lambda: any("Quentin-Baptiste" in text for text in _staff_texts(stack)),
        HANG_GUARD,
        lambda: _staff_texts(stack),
    )
    await _dead_letter_first_message(stack)
    await settled(stack)
    return match.group(0)


async def test_an_erased_person_leaves_no_trace_in_any_store(
    env: dict[str, str], tmp_path: Path
) -> None:
    media = tmp_path / "media"
    flow = {
        **env,
        "STAFF_CHAT_ID": STAFF,
        "HANDOFF_BUSINESS_HOURS": "mon-sun 00:00-24:00",
        "MEDIA_STORAGE_URL": str(media),
        "GATEWAY_CHAT_MESSAGES_PER_MINUTE": "1000",  # a window per chat in Redis
        "GATEWAY_GLOBAL_MESSAGES_PER_MINUTE": "1000",
    }
    async with running_stack(flow) as stack:
        reference = await _went_through_everything(stack)
        needles = _needles(stack.env, reference)
        before = await _everywhere(stack, media, needles)
        for where in ("table interactions", "stream", "redis", "file", "KV_"):
            assert any(where in hit for hit in before), (where, before)

        assert stack.http is not None
        database = await asyncpg.connect(stack.env["DATABASE_URL"])
        try:
            user_id = await database.fetchval(
                "SELECT user_id FROM user_whatsapp_ids WHERE whatsapp_id = $1", PHONE
            )
        finally:
            await database.close()
        erased = await stack.http.delete(f"/admin/users/{user_id}", headers=_admin())
        assert erased.status_code == 200, erased.text
        await settled(stack)

        assert await _everywhere(stack, media, needles) == []
        report = erased.json()
        assert report["rows"]["relayed_interactions"] >= 2
        assert report["rows"]["user_whatsapp_ids"] == 2
        assert report["media_files"] == 1
        assert report["streams"]["chat"] > 0
        assert report["streams"]["dlq"] == 1
        assert report["buckets"]["wa_lids"] == 1
        assert report["redis_keys"] > 0
        staff = await stack.http.get(f"/admin/users/{user_id}", headers=_admin())
        assert staff.status_code == 404
