"""The NATS users of a developer run's embedded server: the production permissions.

When ``concierge run`` starts its own nats-server, that server knows one user per
service with the permissions of :mod:`concierge_common.bus.permissions` (the same
block docker compose mounts), so every run exercises them. Each password is an
HMAC of the user's name under the run's ``bus_password_seed``
(:mod:`concierge_devkit.dev_secrets`): nothing more to keep. The services get
their own user in their environment; the kit's own tools (the chat's barrier, the
clean-up of an old namespace) connect as ``admin``.

A NATS server that already answers (the machine's own, without users) is used as is:
nobody is asked for credentials there.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from concierge_common.bus.connection import servers
from concierge_common.bus.permissions import ADMIN, GATEWAY, USERS, identity, server_config
from concierge_common.bus.topology import Topology
from concierge_common.settings import BusSettings, load


def password(seed: str, user: str) -> str:
    """``user``'s password under ``seed`` (hex, URL-safe)."""
    return hmac.new(seed.encode(), f"nats:{user}".encode(), hashlib.sha256).hexdigest()


def with_user(url: str, user: str, secret: str) -> str:
    """``url`` (each server of it) naming ``user`` and ``secret``."""
    named = []
    for server in servers(url):
        parts = urlsplit(server)
        host = parts.netloc.rpartition("@")[2]
        netloc = f"{quote(user, safe='')}:{quote(secret, safe='')}@{host}"
        named.append(parts._replace(netloc=netloc).geturl())
    return ",".join(named)


def user_of(service: str) -> str:
    """The NATS user a service process of a developer run connects as (both gateway roles)."""
    return GATEWAY.user if service == GATEWAY.service else identity(service).user


@dataclass(frozen=True)
class BusAccess:
    """The users of one run's bus: its namespace and partitions, and the passwords' seed."""

    seed: str
    namespace: str
    partitions: int

    @property
    def topology(self) -> Topology:
        return Topology(self.namespace, self.partitions)

    @classmethod
    def for_run(cls, seed: str, namespace: str, environ: Mapping[str, str]) -> BusAccess:
        """The run's users for the namespace and partitions its services will use.

        The caller's ``BUS_NAMESPACE`` and ``BUS_PARTITIONS`` win, as they do for the
        services (:mod:`concierge_devkit.service_env`).
        """
        bus = load(BusSettings, {**environ, "NATS_URL": "unused"})
        return cls(seed, bus.bus_namespace or namespace, bus.bus_partitions)

    def server_config(self) -> str:
        """The nats-server ``authorization`` block, passwords written in (keep it private)."""
        passwords = {user: password(self.seed, user) for user in USERS}
        return server_config(self.topology, passwords)

    def admin_url(self, url: str) -> str:
        """``url`` as the kit's own tools connect to it."""
        return with_user(url, ADMIN, password(self.seed, ADMIN))

    def service_env(self, service: str) -> dict[str, str]:
        """``NATS_USER`` and ``NATS_PASSWORD`` of one service process."""
        user = user_of(service)
        return {"NATS_USER": user, "NATS_PASSWORD": password(self.seed, user)}
