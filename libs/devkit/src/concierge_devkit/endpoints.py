"""Host and port of a server URL, and whether an embedded server may stand in for it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from concierge_devkit.errors import DevkitError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", ""})


@dataclass(frozen=True)
class Endpoint:
    """Where a URL points: ``host`` is empty for a unix socket (``?host=/dir``)."""

    host: str
    port: int

    @property
    def is_local(self) -> bool:
        """True for this machine: the only place an embedded server can be started."""
        return self.host in LOOPBACK_HOSTS or self.host.startswith("/")


def endpoint(url: str, default_port: int) -> Endpoint:
    """The first server of ``url`` (NATS accepts a comma-separated list)."""
    first = url.split(",")[0].strip()
    parsed = urlsplit(first)
    try:
        port = parsed.port or default_port
    except ValueError as exc:
        raise DevkitError(f"invalid port in {first!r}") from exc
    host = parsed.hostname or ""
    if not host:
        socket_dir = parse_qs(parsed.query).get("host", [""])[0]
        host = socket_dir
    return Endpoint(host=host, port=port)


def with_database(url: str, database: str) -> str:
    """``url`` with its path (the PostgreSQL database name) replaced."""
    parsed = urlsplit(url)
    return parsed._replace(path="/" + database).geturl()


def database_name(url: str, default: str = "concierge") -> str:
    """The database a PostgreSQL URL names, ``default`` when it names none."""
    return urlsplit(url).path.lstrip("/") or default
