"""Every error of the HTTP API answered as ``application/problem+json`` (RFC 9457).

The store's errors keep their meaning across request/reply
(:mod:`concierge_common.bus.rpc`): ``NotFound`` is 404, ``Conflict`` 409, other
``InvalidRequest`` their own 4xx, ``DownstreamUnavailable`` and an ``Outage``
(the store or its database down) 503 with ``Retry-After``. A request FastAPI
cannot validate is 422 with the paths of the invalid fields, never their
values (a body may hold personal data).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from concierge_common.contracts.problems import PROBLEM_JSON, problem
from concierge_common.errors import DownstreamRejected, InvalidRequest, RetryableError

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "2"


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app`` (404 and 405 of unknown routes included)."""
    app.add_exception_handler(InvalidRequest, _invalid_request)
    app.add_exception_handler(RetryableError, _downstream_unavailable)
    app.add_exception_handler(DownstreamRejected, _downstream_rejected)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)


def title_of(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting ``statuses`` as problem+json (schema ``Problem``)."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {"description": title_of(status), "content": {PROBLEM_JSON: {"schema": schema}}}
        for status in statuses
    }


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidRequest)
    return problem(exc.status, title_of(exc.status), str(exc))


async def _downstream_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("api request answered 503: %s", exc)
    return problem(
        503,
        title_of(503),
        "a service the request needs is unavailable, retry later",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


async def _downstream_rejected(request: Request, exc: Exception) -> JSONResponse:
    # The store failed in a way it did not explain (a 500 over request/reply).
    log.error("api request failed downstream: %s", exc)
    return problem(502, title_of(502), "a service the request needs failed")


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(error) for error in exc.errors()]
    fields = ", ".join(sorted({error["field"] for error in errors}))
    return problem(422, title_of(422), f"invalid request: {fields}", extensions={"errors": errors})


def _field_error(error: Any) -> dict[str, str]:
    """Where and what kind of error, without ``input`` or ``msg`` (both may echo values)."""
    location = ".".join(str(part) for part in error.get("loc", ()))
    return {"field": location, "type": str(error.get("type", "invalid"))}


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, title_of(exc.status_code), str(exc.detail), headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after answering so that the server logs the traceback;
    # this line ties it to the route (a template, never the values in the path).
    route = getattr(request.scope.get("route"), "path", "?")
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, route)
    return problem(500, title_of(500), "unexpected error")
