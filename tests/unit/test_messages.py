from __future__ import annotations

import msgspec
import pytest

from concierge_common.contracts.messages import (
    Codec,
    GenerateReply,
    MessageReceived,
    SendReply,
    encode,
)
from concierge_common.errors import InvalidMessage

INBOUND = MessageReceived(
    message_id="a" * 32,
    conversation_id="b" * 32,
    correlation_id="evt_1",
    session="default",
    chat_id="1@c.us",
    sender_id="1@c.us",
    provider_message_id="false_1@c.us_X",
    text="Bonjour",
)


def test_messages_carry_a_versioned_type_tag() -> None:
    data = msgspec.json.decode(encode(INBOUND))
    assert data["type"] == "message.received.v1"
    assert "media" not in data  # defaults are omitted


def test_round_trip_through_the_codec() -> None:
    command = GenerateReply(
        message_id="c" * 32, conversation_id="b" * 32, correlation_id="evt_1", inbound=INBOUND
    )
    assert Codec(GenerateReply).decode(encode(command)) == command


def test_unknown_fields_from_a_newer_producer_are_ignored() -> None:
    data = msgspec.json.decode(encode(INBOUND))
    data["added_in_v1_1"] = {"anything": 1}
    assert Codec(MessageReceived).decode(msgspec.json.encode(data)) == INBOUND


def test_a_message_of_another_flow_or_garbage_is_invalid() -> None:
    with pytest.raises(InvalidMessage):
        Codec(SendReply).decode(encode(INBOUND))
    with pytest.raises(InvalidMessage):
        Codec(SendReply).decode(b"not json")
