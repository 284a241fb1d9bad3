"""The two servers ``webhook_ack.py`` compares, each run in a process of its own.

``baseline``: the least a webhook-to-JetStream edge can do: one FastAPI POST route
that reads the body, decodes it with a msgspec struct, publishes it with a
``Nats-Msg-Id`` and awaits the PubAck, then answers 200 JSON.

``gateway``: the real :class:`gateway.service.GatewayService` (runtime, outbound
consumer, side app, HMAC check, normalisation, metrics, logging) configured from
an environment like production's, in a bench-only bus namespace, run as
``python -m gateway`` runs it (``run_until_signal``) with its JSON logs on stdout.

Both are served by :class:`concierge_common.bus.health.HttpServer` (the same uvicorn
configuration) and stop on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import msgspec
import nats
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from nats.aio.client import Client as NATS

from concierge_common import logs
from concierge_common import settings as settings_module
from concierge_common.bus.health import HttpServer
from concierge_common.bus.runtime import run_until_signal, wait_for_signal

HMAC_KEY = "bench-hmac-key-of-at-least-32-bytes"
JWT_SECRET = "bench-jwt-secret-never-used-for-real"


class _Payload(msgspec.Struct):
    id: str = ""
    from_: str = msgspec.field(default="", name="from")


class _Envelope(msgspec.Struct):
    event: str = ""
    payload: _Payload = msgspec.field(default_factory=_Payload)


def baseline_app(nc: NATS, subject: str) -> FastAPI:
    """The minimal FastAPI edge the gateway is measured against."""
    js = nc.jetstream()
    decoder = msgspec.json.Decoder(_Envelope)
    app = FastAPI()

    @app.post("/webhook")
    async def webhook(request: Request) -> JSONResponse:
        body = await request.body()
        envelope = decoder.decode(body)
        ack = await js.publish(subject, body, headers={"Nats-Msg-Id": envelope.payload.id})
        return JSONResponse({"status": "accepted", "duplicate": bool(ack.duplicate)})

    return app


async def serve_baseline(nats_url: str, subject: str, port: int) -> None:
    nc = await nats.connect(nats_url, name="bench-baseline")
    server = HttpServer(baseline_app(nc, subject), "127.0.0.1", port)
    await server.start()
    try:
        await wait_for_signal()
    finally:
        await server.stop()
        await nc.drain()


def gateway_env(nats_url: str, namespace: str, port: int, log_level: str) -> dict[str, str]:
    """Production-like gateway settings, in a namespace of the bench's own."""
    return {
        "NATS_URL": nats_url,
        "BUS_NAMESPACE": namespace,
        "CONVERSATION_ID_KEY": "bench-conversation-key-of-32-bytes",
        "WAHA_URL": "http://127.0.0.1:1",  # never called: nothing is sent outbound
        "WAHA_API_KEY": "bench-waha-key-of-at-least-32-bytes",
        "GATEWAY_SOURCE_REQUESTS_PER_SECOND": "0",  # one source sends everything here
        "WAHA_WEBHOOK_HMAC_KEY": HMAC_KEY,
        "JWT_SECRET": JWT_SECRET,  # the api role serves the HTTP API too (not measured)
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "SHUTDOWN_GRACE_SECONDS": "3",
        "LOG_LEVEL": log_level,
        # The public edge as production deploys it (docker-compose.yml): the outbound
        # sender is a deployable of its own.
        "GATEWAY_ROLES": "api",
    }


async def serve_gateway(nats_url: str, namespace: str, port: int, log_level: str) -> None:
    from gateway.service import GatewayService
    from gateway.settings import GatewaySettings

    config = settings_module.load(
        GatewaySettings, gateway_env(nats_url, namespace, port, log_level)
    )
    logs.configure("gateway", config.log_level)
    await run_until_signal(GatewayService(config, health_port=0))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("side", choices=("baseline", "gateway"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--nats-url", required=True)
    parser.add_argument("--namespace", required=True, help="bus namespace (gateway)")
    parser.add_argument("--subject", default="", help="subject to publish on (baseline)")
    parser.add_argument("--log-level", default="INFO", help="gateway LOG_LEVEL")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    if args.side == "baseline":
        asyncio.run(serve_baseline(args.nats_url, args.subject, args.port))
    else:
        asyncio.run(serve_gateway(args.nats_url, args.namespace, args.port, args.log_level))


if __name__ == "__main__":
    main()
