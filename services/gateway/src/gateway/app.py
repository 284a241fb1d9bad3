"""The gateway's public HTTP app: WAHA's webhook and the HTTP API.

Every route is behind the public port's limits (SECURITY.md, item 3): a rate limit
per source (:mod:`gateway.source_limits`) and a body limit enforced while the body
is read (:mod:`concierge_common.bus.http_limits`).

``POST /webhook`` is registered directly on the app (an included router costs
the hot path a few microseconds) and bypasses the API's middleware. Everything
else is the bearer-guarded API (:mod:`gateway.api`), ``/health``, and its
documentation at ``/docs`` and ``/openapi.json``.
"""

from __future__ import annotations

from fastapi import FastAPI

from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.http_limits import BodyLimit
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from gateway.api.admin import admin_router
from gateway.api.auth import Authorizer, TokenVerifier
from gateway.api.docs import OPENAPI_URL, install_docs
from gateway.api.errors import install_problem_handlers, problem_responses
from gateway.api.health import health_router
from gateway.api.orchestrate import orchestrate_router
from gateway.api.security import ApiEdge
from gateway.api.sessions import sessions_router
from gateway.api.staff import staff_router
from gateway.console.mount import install_console
from gateway.ingest import Ingest
from gateway.orchestrator import Listening, Orchestrator, Timing
from gateway.settings import GatewaySettings
from gateway.source_limits import Buckets, SourceLimit, SourceRate
from gateway.waha_session import SessionWatch
from gateway.webhook import WebhookEndpoint

VERSION = "0.3.0"
DESCRIPTION = """The concierge's public edge.

`POST /webhook` receives WAHA's events (signed with `X-Webhook-Hmac`).
`/health` says `ok` or `unavailable`, no more (the details: `/health/details`, admin).
Every other route but `/health` needs a bearer token (HS256 JWT) whose `roles`
claim holds `admin` (everything), `agent` (sessions and the staff desk,
`/staff/handoffs`) or `channel` (`POST /orchestrate`: another channel's messages,
answered synchronously). Errors are `application/problem+json` (RFC 9457)."""


def create_app(
    settings: GatewaySettings,
    publisher: Publisher,
    rpc: RpcClient,
    heartbeats: HeartbeatReader,
    *,
    replies: Listening | None = None,
    ingest: Ingest | None = None,
    sessions: SessionWatch | None = None,
) -> FastAPI:
    """The app; ``rpc`` asks the store and the handoff desk, ``heartbeats`` feed ``/health``.

    ``replies`` listens to the ``api`` conversations' replies for ``POST /orchestrate``
    (:class:`gateway.api_channel.ReplyListener`); without it that route answers 503.
    ``ingest`` publishes webhooks (enriched: identity, media; plain publishing when
    absent) and ``sessions`` watches WAHA's session status.
    """
    app = FastAPI(
        title="Concierge gateway",
        version=VERSION,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL,
        # operationId = the handler's name (get_session, create_service...): stable and short.
        generate_unique_id_function=lambda route: route.name,
    )
    app.add_api_route(
        "/webhook",
        WebhookEndpoint(settings, ingest or Ingest(publisher), sessions),
        methods=["POST"],
        name="receive_webhook",
        summary="Receive a WAHA webhook",
        description="200 once JetStream has stored the message (or the event is ignored);"
        " 401 for a missing or wrong `X-Webhook-Hmac`; 503 with `Retry-After` when the bus"
        " cannot take it, so that WAHA retries.",
        tags=["webhook"],
        response_model=None,
        responses=problem_responses(400, 401, 413, 422, 503),
    )
    auth = Authorizer(
        TokenVerifier(
            settings.jwt_secret, audience=settings.jwt_audience, issuer=settings.jwt_issuer
        )
    )
    app.include_router(health_router(heartbeats, auth))
    app.include_router(sessions_router(rpc, auth))
    app.include_router(staff_router(rpc, auth, timeout=settings.gateway_desk_timeout_seconds))
    app.include_router(admin_router(rpc, auth))
    app.include_router(orchestrate_router(_orchestrator(settings, publisher, replies), auth))
    install_docs(app)
    install_problem_handlers(app)
    install_console(app, settings, rpc)  # after the API's handlers: it wraps them
    app.add_middleware(ApiEdge, cors_origins=settings.cors_origins)
    install_edge_limits(app, settings)
    return app


def install_edge_limits(app: FastAPI, settings: GatewaySettings) -> None:
    """Every route of the public port: bodies bounded while read, then (outermost) a rate
    limit per source, so that a flooding source costs a dictionary lookup and no more."""
    app.add_middleware(BodyLimit, max_bytes=settings.gateway_max_body_bytes)
    rate = SourceRate(settings.gateway_source_requests_per_second, settings.gateway_source_burst)
    if rate.enabled:
        app.add_middleware(
            SourceLimit,
            buckets=Buckets(rate),
            client_header=settings.gateway_client_ip_header,
            exempt=settings.rate_limit_exempt,
        )


def _orchestrator(
    settings: GatewaySettings, publisher: Publisher, replies: Listening | None
) -> Orchestrator | None:
    if replies is None:
        return None
    timing = Timing(
        quiet=settings.gateway_orchestrate_quiet_seconds,
        timeout=settings.gateway_orchestrate_timeout_seconds,
    )
    return Orchestrator(
        publisher, replies, conversation_key=settings.conversation_id_key, timing=timing
    )
