"""The ports of a developer run: gateway API, one health port per service, the WAHA stand-in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from concierge_devkit.ports import free_port

SERVICES = ("gateway", "router", "ai", "handoff", "store")
DEFAULT_GATEWAY_PORT = 8000
DEFAULT_HEALTH_PORT_BASE = 9101


def health_port_variable(service: str) -> str:
    """The setting a service reads its health port from (``ROUTER_HEALTH_PORT``...)."""
    return f"{service.upper()}_HEALTH_PORT"


@dataclass(frozen=True)
class StackPorts:
    gateway: int
    health: dict[str, int]
    waha: int  # 0: any free port

    def bound_by_services(self) -> dict[str, int]:
        """Every port a service will bind, named for error messages."""
        named = {"gateway API": self.gateway}
        named.update({f"{name} health": port for name, port in self.health.items()})
        return named


def resolve_ports(
    *,
    gateway: int | None,
    health_base: int | None,
    waha: int,
    free: bool,
    environ: Mapping[str, str] | None = None,
) -> StackPorts:
    """Command line first, then GATEWAY_PORT / <SERVICE>_HEALTH_PORT, then the defaults."""
    env = os.environ if environ is None else environ
    if free:
        return StackPorts(free_port(), {name: free_port() for name in SERVICES}, waha)
    api = gateway or int(env.get("GATEWAY_PORT") or DEFAULT_GATEWAY_PORT)
    health: dict[str, int] = {}
    for index, name in enumerate(SERVICES):
        if health_base is not None:
            health[name] = health_base + index
        else:
            configured = env.get(health_port_variable(name))
            health[name] = int(configured or DEFAULT_HEALTH_PORT_BASE + index)
    return StackPorts(api, health, waha)
