"""Issue 14 item 8: correctly signed hostile webhook bodies never reach a 500.

A deterministic generator (fixed seeds) derives about a thousand hostile bodies from
the project's WAHA fixtures: ``_data``, ``media``, ``payload`` and ``me`` nested up to
50,000 levels, a wrong type in every field, huge numbers, ``NaN`` and ``Infinity``,
invalid UTF-8 and lone surrogates, duplicate keys, odd unicode in every string, cut
and non-object bodies. Each is signed with the test key and posted to the gateway's
public app in process. Every answer is a 2xx (accepted or ignored) or a 4xx problem
(``application/problem+json``) with nothing published; what a 2xx publishes survives
the bus's encoding unchanged.

The second half: texts a person could really send (right-to-left marks, zero-width
joiners, emoji sequences, combining characters, control characters, a 65,536-character
message) are each accepted and published whole.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import msgspec
import pytest

from concierge_common.contracts.messages import MessageReceived
from support.edge_app import RecordingPublisher, edge_client, edge_settings, post_webhook
from support.fixtures import fresh, load, text_message
from support.odd_texts import PERSON_TEXTS

SEED = 20_140_808
CHAT = "33612345678@c.us"
DEPTHS = (1_000, 5_000, 20_000, 50_000)
BASES = (
    "message-text-webjs-inbound.json",
    "message-image-noweb.json",
    "message-any-phone-reply-webjs-constructed.json",
    "message-ack-read-webjs.json",
    "message-reaction-webjs.json",
    "session-status-working-webjs-normalized.json",
    "message-ack-group-read-noweb.json",
)
ODD_STRINGS = (
    "",
    " ",
    "\u202e\u200f",
    "\u200d" * 40,
    "e\u0301" * 50,
    "\ufeff\ufffe\uffff",
    "\x01\x1b[31m\x7f",
    "👨\u200d👩\u200d👧\u200d👦" * 20,
    "x" * 70_000,
    "\U0010ffff",
    "null",
    "message",
)
WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    "",
    "x",
    [],
    {},
    [1, "a", None],
    {"a": {"b": []}},
    10**400,
    -(10**400),
    1e308,
    -1e308,
    *ODD_STRINGS[2:6],
)
# Raw JSON tokens json.dumps cannot write: not JSON at all, or numbers beyond a double.
RAW_TOKENS = ("NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" * 5_000, "0." + "0" * 5_000)
Body = bytes
Fuzz = tuple[str, Body]


def _bases() -> list[dict[str, Any]]:
    events = [fresh(load(name)) for name in BASES]
    events.append(text_message(CHAT, "Bonjour"))
    for event in events:
        event["id"] = "evt_fuzz"
    return events


def _nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _deep(rng: random.Random, base: dict[str, Any]) -> Iterator[Fuzz]:
    marker = "\x00DEEP\x00"
    for depth in DEPTHS:
        for where in ("_data", "media", "payload", "me", "location", "vCards"):
            event = copy.deepcopy(base)
            if where in ("payload", "me"):
                event[where] = marker
            else:
                event.setdefault("payload", {})[where] = marker
            text = json.dumps(event).replace(
                json.dumps(marker), _nested(depth, rng.choice(("list", "dict")))
            )
            yield f"deep {where} {depth}", text.encode()


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from _paths(inner, (*prefix, key))


def _set(event: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    event = copy.deepcopy(event)
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return event


def _wrong_types(rng: random.Random, base: dict[str, Any]) -> Iterator[Fuzz]:
    for path in _paths(base):
        if path[-1] == "timestamp" and len(path) == 1:
            continue  # the replay window's own field: fuzzed below, with fresh values
        for value in rng.sample(WRONG_VALUES, 6):
            yield f"type {'.'.join(path)}", json.dumps(_set(base, path, value)).encode()


def _raw_numbers(rng: random.Random, base: dict[str, Any]) -> Iterator[Fuzz]:
    marker = "\x00NUMBER\x00"
    numeric = [path for path in _paths(base) if isinstance(_get(base, path), int | float)]
    for path in numeric:
        for token in rng.sample(RAW_TOKENS, 3):
            text = json.dumps(_set(base, path, marker)).replace(json.dumps(marker), token)
            yield f"number {'.'.join(path)} {token[:12]}", text.encode()


def _get(event: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = event
    for key in path:
        value = value[key]
    return value


def _bad_bytes(rng: random.Random, base: dict[str, Any]) -> Iterator[Fuzz]:
    text = json.dumps(base)
    strings = [path for path in _paths(base) if isinstance(_get(base, path), str)]
    for path in rng.sample(strings, min(4, len(strings))):
        marker = "\x00BYTES\x00"
        raw = json.dumps(_set(base, path, marker)).encode()
        quoted = json.dumps(marker).encode()
        for bad in (b'"\xff\xfe"', b'"\xc0\xaf"', b'"\xed\xa0\x80"', b'"\\ud800"', b'"\\udfff x"'):
            yield f"bytes {'.'.join(path)}", raw.replace(quoted, bad)
    yield (
        "duplicate keys",
        text.replace('"event": ', '"event": "session.status", "event": ', 1).encode(),
    )
    yield "duplicate payload", ('{"payload": 1, ' + text[1:]).encode()
    for cut in rng.sample(range(1, len(text)), 5):
        yield f"cut at {cut}", text[:cut].encode()


def _odd_strings(rng: random.Random, base: dict[str, Any]) -> Iterator[Fuzz]:
    strings = [path for path in _paths(base) if isinstance(_get(base, path), str)]
    for path in strings:
        for value in rng.sample(ODD_STRINGS, 3):
            yield f"string {'.'.join(path)}", json.dumps(_set(base, path, value)).encode()


def _not_an_object() -> Iterator[Fuzz]:
    for raw in (b"", b" ", b"null", b"[]", b"1", b'"message"', b"{", b"\xef\xbb\xbf{}", b"{}"):
        yield f"top {raw[:8]!r}", raw
    yield "top nested list", _nested(50_000, "list").encode()
    yield "top nested dict", _nested(50_000, "dict").encode()


GENERATORS: tuple[Callable[[random.Random, dict[str, Any]], Iterator[Fuzz]], ...] = (
    _deep,
    _wrong_types,
    _raw_numbers,
    _bad_bytes,
    _odd_strings,
)


def hostile_bodies(seed: int = SEED) -> list[Fuzz]:
    """The same bodies on every run: each generator over each base event, then the odd tops."""
    rng = random.Random(seed)
    bodies = [fuzz for base in _bases() for make in GENERATORS for fuzz in make(rng, base)]
    return [*bodies, *_not_an_object()]


def _check_answer(name: str, response: httpx.Response, published: int, before: int) -> None:
    status = response.status_code
    assert status < 500, f"{name}: {status} {response.text[:200]}"
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json", name
        assert response.json()["status"] == status, name
        assert published == before, f"{name}: published although refused ({status})"
    else:
        assert response.json()["status"] in ("accepted", "ignored"), name


def _survives_the_bus(message: msgspec.Struct) -> None:
    assert msgspec.json.decode(msgspec.json.encode(message), type=type(message)) == message


async def test_no_signed_hostile_body_reaches_a_server_error() -> None:
    bodies = hostile_bodies()
    assert len(bodies) >= 1_000
    assert any(name.startswith("deep") and name.endswith("50000") for name, _ in bodies)
    publisher = RecordingPublisher()
    statuses: dict[int, int] = {}
    async with edge_client(edge_settings(), publisher) as http:
        for name, raw in bodies:
            before = len(publisher.published)
            response = await post_webhook(http, raw)
            _check_answer(name, response, len(publisher.published), before)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    for _, message in publisher.published:
        _survives_the_bus(message)
    assert {200, 400, 422} <= set(statuses), statuses  # the generator does reach every path


async def test_deep_nesting_is_a_400_naming_no_value() -> None:
    event = text_message(CHAT, "Bonjour")
    raw = json.dumps(event).replace('"Bonjour"', '"Bonjour", "_data": ' + _nested(50_000, "dict"))
    publisher = RecordingPublisher()
    async with edge_client(edge_settings(), publisher) as http:
        response = await post_webhook(http, raw.encode())
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert publisher.published == []


# --- what a person could really send ------------------------------------------------------


@pytest.mark.parametrize("text", PERSON_TEXTS.values(), ids=PERSON_TEXTS.keys())
async def test_a_person_s_odd_message_is_accepted_and_published_whole(text: str) -> None:
    publisher = RecordingPublisher()
    async with edge_client(edge_settings(), publisher) as http:
        response = await post_webhook(http, text_message(CHAT, text))
    assert response.status_code == 200, response.text
    [(flow, message)] = publisher.published
    assert flow == "inbound"
    assert isinstance(message, MessageReceived)
    assert message.text == text.strip()
    _survives_the_bus(message)
