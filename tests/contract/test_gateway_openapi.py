"""The committed OpenAPI document (services/gateway/openapi.json) is the app's own.

Clients are generated from the committed file and reviewers read its diff, so a
route, model or response change must come with the regenerated document.
"""

from __future__ import annotations

import json
from pathlib import Path

from nats.aio.client import Client as NATS

from concierge_common import settings as settings_module
from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.topology import Topology
from gateway.api.docs import render
from gateway.app import create_app
from gateway.settings import GatewaySettings
from support.api import api_env

COMMITTED = Path(__file__).resolve().parents[2] / "services" / "gateway" / "openapi.json"
REGENERATE = "uv run python -m gateway openapi > services/gateway/openapi.json"


def test_committed_openapi_document_matches_the_app() -> None:
    settings = settings_module.load(GatewaySettings, api_env("openapi"))
    nc, topology = NATS(), Topology.from_settings(settings)  # never connected
    app = create_app(
        settings,
        Publisher(nc, topology),
        RpcClient(nc, topology),
        HeartbeatReader(nc, topology.health_bucket, max_age=15.0),
    )
    assert json.loads(COMMITTED.read_text()) == app.openapi(), (
        f"services/gateway/openapi.json is out of date; regenerate it with: {REGENERATE}"
    )
    assert COMMITTED.read_text() == render(app.openapi()), f"not formatted; run: {REGENERATE}"


def test_every_error_response_is_documented_as_a_problem() -> None:
    document = json.loads(COMMITTED.read_text())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and not path.startswith("/health"):
                    assert list(response["content"]) == ["application/problem+json"], (
                        f"{method.upper()} {path} {status}"
                    )
