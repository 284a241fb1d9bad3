"""Local TCP ports: pick a free one, or check that the configured ones are free."""

from __future__ import annotations

import socket
from collections.abc import Mapping

from concierge_devkit.errors import DevkitError


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
