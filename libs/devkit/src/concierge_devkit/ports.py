"""Local TCP ports: pick a free one, or check that the configured ones are free."""

from __future__ import annotations

import random
import socket
from collections.abc import Mapping
from pathlib import Path

from concierge_devkit.errors import DevkitError

# The kernel gives the local ports of outgoing connections from its ephemeral range
# (net.ipv4.ip_local_port_range): a port picked there can be taken by a service's
# connection to PostgreSQL or NATS before the server meant to listen on it binds it.
# Ports are therefore picked below that range.
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000
_ATTEMPTS = 200
_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on right now, outside the kernel's range of outgoing ports,
    and not handed out before by this process."""
    top = _ephemeral_start()
    for _ in range(_ATTEMPTS):
        port = random.randrange(_LOWEST, top)
        if port not in _handed_out and port_is_free(port):
            _handed_out.add(port)
            return port
    with socket.socket() as sock:  # a crowded range: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ephemeral_start() -> int:
    try:
        low = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32_768
    return max(low, _LOWEST + 1_000)


def port_is_free(port: int, host: str = "0.0.0.0") -> bool:
    """True when a server could bind ``host:port`` (as uvicorn does, with SO_REUSEADDR)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports_free(ports: Mapping[str, int]) -> None:
    """Raise naming every port already taken, before anything binds them."""
    taken = [f"{name} port {port}" for name, port in ports.items() if not port_is_free(port)]
    if taken:
        raise DevkitError(
            "port(s) already in use: "
            + ", ".join(taken)
            + " (stop what uses them, choose others with --gateway-port / --health-port-base,"
            " or pass --free-ports)"
        )
