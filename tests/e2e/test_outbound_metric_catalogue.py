"""The process Prometheus scrapes as ``gateway-outbound`` serves the metrics that the
refused-reply alerts and the answer-latency panel read.

The gateway runs as a real process in its outbound role (as docker-compose.yml's
``gateway-outbound``); its ``/metrics`` page, read like Prometheus reads it, declares
each family even before any reply was sent.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from support.service_processes import start_service

# The families the alerts and the dashboard read from this process only.
OUTBOUND_FAMILIES = (
    "concierge_gateway_send_failures_total",
    "concierge_gateway_reply_latency_seconds",
    "concierge_gateway_replies_total",
    "concierge_bus_messages_handled_total",
)


async def test_the_outbound_role_serves_the_send_failure_and_latency_metrics(
    env: dict[str, str], tmp_path: Path
) -> None:
    settings = {"GATEWAY_ROLES": "outbound", "WAHA_WEBHOOK_HMAC_KEY": ""}
    outbound = await start_service("gateway", env, tmp_path, settings=settings)
    try:
        await outbound.wait_ready()
        async with httpx.AsyncClient() as client:
            page = await client.get(f"http://127.0.0.1:{outbound.health_port}/metrics")
    finally:
        await outbound.stop()
    declared = {line.split()[2] for line in page.text.splitlines() if line.startswith("# TYPE ")}
    for family in OUTBOUND_FAMILIES:
        # A counter's TYPE line names it with or without _total (by exposition format).
        assert {family, family.removesuffix("_total")} & declared, family
