from __future__ import annotations

import msgspec
import pytest

from concierge_common.bus.rpc import Reply, RpcError, error_from
from concierge_common.errors import (
    BusUnavailable,
    Conflict,
    DatabaseUnavailable,
    DownstreamRejected,
    DownstreamUnavailable,
    InvalidRequest,
    NotFound,
    Outage,
)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, NotFound),
        (409, Conflict),
        (422, InvalidRequest),
        (400, InvalidRequest),
        (503, DownstreamUnavailable),
        (500, DownstreamRejected),
    ],
)
def test_remote_status_becomes_the_same_error_class(status: int, kind: type[Exception]) -> None:
    error = error_from(status, "detail")
    assert type(error) is kind
    assert str(error) == "detail"


def test_client_errors_keep_their_status() -> None:
    error = error_from(422, "bad")
    assert isinstance(error, InvalidRequest)
    assert error.status == 422


@pytest.mark.parametrize(
    ("outage", "kind"),
    [
        ("DatabaseUnavailable", DatabaseUnavailable),
        ("BusUnavailable", BusUnavailable),
        ("Outage", Outage),
        ("AnOutageOfANewerVersion", Outage),
    ],
)
def test_a_remote_outage_becomes_the_same_outage(outage: str, kind: type[Exception]) -> None:
    error = error_from(503, "session.open is unavailable", outage)
    assert type(error) is kind
    assert str(error) == "session.open is unavailable"


def test_the_outage_field_is_optional_on_the_wire_both_ways() -> None:
    assert msgspec.json.encode(RpcError(503, "busy")) == b'{"status":503,"detail":"busy"}'
    # A reply of an answerer that never sends the field is a plain 503.
    reply = msgspec.json.decode(b'{"error":{"status":503,"detail":"busy"}}', type=Reply)
    assert reply.error == RpcError(503, "busy")

    # And one that sends it is still read by a caller that does not know the field.
    class OldRpcError(msgspec.Struct):
        status: int
        detail: str

    old = msgspec.json.decode(
        msgspec.json.encode(RpcError(503, "down", outage="DatabaseUnavailable")), type=OldRpcError
    )
    assert (old.status, old.detail) == (503, "down")
