from __future__ import annotations

import pytest

from concierge_common.errors import (
    Conflict,
    DownstreamRejected,
    DownstreamUnavailable,
    InvalidRequest,
    NotFound,
)
from concierge_common.rpc import error_from


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
