"""The API's documentation: the OpenAPI document and its Swagger UI page.

``/openapi.json`` is FastAPI's document plus the ``Problem`` schema every error
response refers to. ``/docs`` is the Swagger UI, whose script and stylesheet
come from the jsDelivr CDN: its Content-Security-Policy allows exactly those,
the page's one inline script by its hash, and calls to this origin only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from gateway.api.models import Problem

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
CDN = "https://cdn.jsdelivr.net"
FAVICON_HOST = "https://fastapi.tiangolo.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def install_docs(app: FastAPI) -> None:
    """Serve ``/openapi.json`` (with the ``Problem`` schema) and ``/docs`` on ``app``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    page = get_swagger_ui_html(openapi_url=OPENAPI_URL, title=f"{app.title} - API")
    html = bytes(page.body).decode()
    csp = swagger_csp(html)

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": csp})


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
            f"script-src {CDN} {hashes}",
            # Swagger UI styles some elements inline; styles cannot run code.
            f"style-src {CDN} 'unsafe-inline'",
            f"img-src 'self' data: {FAVICON_HOST}",
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
