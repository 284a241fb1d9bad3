"""Browser-facing protections of the HTTP API: security headers and a CORS allow-list.

One pure-ASGI middleware, so that ``POST /webhook`` (WAHA's hot path, measured
by ``bench/webhook_ack.py``) pays a single path comparison and nothing else:
it is a machine-to-machine endpoint that no browser should call.

Every other response gets ``nosniff``, ``DENY`` framing, no referrer,
``Cache-Control: no-store`` (answers carry personal data and bearer-guarded
content) and a Content-Security-Policy that allows nothing, unless the route
set its own (the Swagger UI page, see :mod:`gateway.api.docs`). Cross-origin
browser calls are allowed only from ``GATEWAY_CORS_ORIGINS``.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy", STRICT_CSP.encode()),
)
UNPROTECTED_PATHS = frozenset({"/webhook"})


class SecurityHeaders:
    """Adds the security headers a response does not set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in _HEADERS if item[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, send_with_headers)


class ApiEdge:
    """Security headers and CORS for every HTTP path but the webhook's."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cors_origins: Collection[str] = (),
        unprotected: frozenset[str] = UNPROTECTED_PATHS,
    ) -> None:
        self._plain = app
        self._unprotected = unprotected
        protected: ASGIApp = app
        if cors_origins:
            protected = CORSMiddleware(
                app,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=["Authorization", "Content-Type"],
                expose_headers=["Location", "Retry-After"],
                allow_credentials=False,  # bearer tokens, never cookies
                max_age=600,
            )
        # Outermost, so that CORS preflight answers get the headers too.
        self._protected = SecurityHeaders(protected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in self._unprotected:
            await self._protected(scope, receive, send)
        else:
            await self._plain(scope, receive, send)
