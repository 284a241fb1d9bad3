"""docker compose gives every service its own NATS user, Redis a password, WAHA its corner.

There is no docker here: the compose files are read as YAML and their structure checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from concierge_common.bus.permissions import GATEWAY_API, GATEWAY_OUTBOUND, identity

ROOT = Path(__file__).parents[2]
SERVICES = {
    "gateway": GATEWAY_API.user,
    "gateway-outbound": GATEWAY_OUTBOUND.user,
    "router": "router",
    "ai": "ai",
    "handoff": "handoff",
    "store": "store",
}


def compose(name: str = "docker-compose.yml") -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    return loaded


def test_each_service_connects_as_its_own_user_with_its_own_password_file() -> None:
    services = compose()["services"]
    for name, user in SERVICES.items():
        identity(user)  # a user the generated config knows
        assert services[name]["environment"]["NATS_USER"] == user
        assert services[name]["env_file"] == [".env", f".nats/{user}.env"]
        assert "NATS_PASSWORD" not in services[name]["environment"]


def test_nats_reads_the_generated_users_and_redis_asks_for_a_password() -> None:
    services = compose()["services"]
    assert "/etc/nats/auth.conf" in services["nats"]["command"]
    assert "./infra/nats/auth.conf:/etc/nats/auth.conf:ro" in services["nats"]["volumes"]
    assert services["nats"]["env_file"] == ".nats/server.env"
    assert "--requirepass" in services["redis"]["command"]
    for name in ("gateway-outbound", "router", "store"):
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD")


def test_waha_shares_a_network_with_the_gateway_roles_only() -> None:
    services = compose()["services"]
    with_waha = {name for name, spec in services.items() if "waha" in spec.get("networks", [])}
    assert with_waha == {"waha", "gateway", "gateway-outbound"}
    assert services["waha"]["networks"] == ["waha"]
    with_database = {
        name for name, spec in services.items() if "database" in spec.get("networks", [])
    }
    assert with_database == {"postgres", "store"}


def test_the_cluster_nodes_include_the_same_users() -> None:
    services = compose("docker-compose.cluster.yml")["services"]
    assert 'include "auth.conf"' in (ROOT / "infra" / "nats" / "cluster.conf").read_text()
    for node in ("nats", "nats-2", "nats-3"):
        assert "./infra/nats/auth.conf:/etc/nats/auth.conf:ro" in services[node]["volumes"]
    anchors = yaml.safe_load((ROOT / "docker-compose.cluster.yml").read_text())
    assert anchors["x-cluster-node"]["env_file"] == ".nats/server.env"
