"""``python -m gateway [run | openapi | token]``.

``run`` (the default) runs the service until SIGTERM. ``openapi`` prints the
HTTP API's OpenAPI document, as committed in ``services/gateway/openapi.json``.
``token`` prints a bearer token signed with ``JWT_SECRET`` (development and
tests; production tokens come from the parish's identity provider).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nats.aio.client import Client as NATS

from concierge_common import settings as settings_module
from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.runtime import run_main
from concierge_common.bus.topology import Topology
from concierge_common.errors import ConfigError
from gateway.api.auth import ADMIN, ROLES, mint_token
from gateway.api.docs import render
from gateway.app import create_app
from gateway.service import GatewayService
from gateway.settings import GatewaySettings, JwtSettings


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "openapi":
        sys.stdout.write(render(openapi_document()))
    elif args.command == "token":
        print(_token(args.role or [ADMIN], args.ttl, args.subject))
    else:
        run_main("gateway", GatewaySettings, GatewayService)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the gateway service (the default)")
    commands.add_parser("openapi", help="print the HTTP API's OpenAPI document")
    token = commands.add_parser("token", help="print a bearer token signed with JWT_SECRET")
    token.add_argument("--role", action="append", choices=ROLES, help="repeatable")
    token.add_argument("--ttl", type=float, default=3600.0, help="seconds (default 3600)")
    token.add_argument("--subject", default="dev", help="the token's 'sub' (default dev)")
    return parser


def openapi_document() -> dict[str, Any]:
    """The document of the app as ``create_app`` builds it; no connection is made."""
    placeholder = "unused-by-the-document" * 2  # as long as a real secret must be
    settings = GatewaySettings(
        nats_url="nats://127.0.0.1:4222",
        conversation_id_key=placeholder,
        waha_url="http://127.0.0.1:3000",
        waha_api_key=placeholder,
        gateway_allow_unsigned_webhooks=True,
        jwt_secret=placeholder,
    )
    nc, topology = NATS(), Topology.from_settings(settings)
    app = create_app(
        settings,
        Publisher(nc, topology),
        RpcClient(nc, topology),
        HeartbeatReader(nc, topology.health_bucket, max_age=15.0),
    )
    return app.openapi()


def _token(roles: list[str], ttl: float, subject: str) -> str:
    try:
        config = settings_module.load(JwtSettings)
    except ConfigError as exc:
        print(f"gateway token: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    return mint_token(
        config.jwt_secret,
        subject=subject,
        roles=roles,
        ttl_seconds=ttl,
        audience=config.jwt_audience,
        issuer=config.jwt_issuer,
    )
