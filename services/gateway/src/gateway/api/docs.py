"""The API's documentation: the OpenAPI document and its Swagger UI page.

``/openapi.json`` is FastAPI's document plus the ``Problem`` schema every error
response refers to. ``/docs`` is the Swagger UI, whose script, stylesheet and icon
are served by the gateway itself from the ``swagger-ui-bundle-v2`` package (a pinned
Swagger UI release inside the wheel): no CDN is trusted and nothing is fetched from
the internet. Its Content-Security-Policy allows scripts and styles of this origin
only, plus the page's one inline script by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from gateway.api.models import Problem

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
# The Swagger UI files the page needs, and their media types.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def install_docs(app: FastAPI) -> None:
    """Serve ``/openapi.json`` (with the ``Problem`` schema) and ``/docs`` on ``app``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=f"{app.title} - API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
    )
    html = bytes(page.body).decode()
    csp = swagger_csp(html)

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": csp})

    _install_assets(app)


def _install_assets(app: FastAPI) -> None:
    """One route per file, read once: no path from the request ever reaches the disk."""
    for name, media_type in ASSETS.items():
        route = _asset((swagger_ui_path / name).read_bytes(), media_type)
        app.add_api_route(f"{ASSETS_URL}/{name}", route, methods=["GET"], include_in_schema=False)


def _asset(content: bytes, media_type: str) -> Callable[[], Awaitable[Response]]:
    async def asset() -> Response:
        return Response(content, media_type=media_type)

    return asset


def _document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema()
    return document


def swagger_csp(html: str) -> str:
    """A policy that lets the Swagger UI page work and nothing else run."""
    hashes = " ".join(_sha256_source(script) for script in _INLINE_SCRIPT.findall(html))
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {hashes}",
            # Swagger UI styles some elements inline; styles cannot run code.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def _sha256_source(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def render(document: dict[str, Any]) -> str:
    """The committed form of the document (``services/gateway/openapi.json``)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
