"""HTTP errors as ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A problem response; ``detail`` must never echo a message body or a phone number.

    ``extensions`` are RFC 9457 extension members (e.g. the invalid fields of a request).
    """
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **(extensions or {}),
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
