"""What makes a developer run's conversations its own: secrets and a bus namespace.

Every fresh run draws new ones. The person's conversation id is an HMAC of their
chat id under ``CONVERSATION_ID_KEY`` and every stream, bucket and Redis key is
named after ``BUS_NAMESPACE``, so with new values nothing an earlier run left on
the bus or in Redis reaches this one. They are saved in the data folder
(``run-state.json``, readable by the owner only) for ``--keep-state``, which
carries on where the previous run stopped, and so that the next fresh run can
remove the streams of this one.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from concierge_devkit.dev_secrets import DevSecrets

log = logging.getLogger(__name__)

FILENAME = "run-state.json"


def new_namespace() -> str:
    """A bus namespace of lower case letters and digits (it names streams and subjects)."""
    return "dev" + secrets.token_hex(5)


# Secrets added since the first saved states: drawn anew when a saved state lacks them.
_ADDED = frozenset({"bus_password_seed"})


def _secrets(saved: dict[str, object]) -> DevSecrets:
    """The saved secrets (KeyError when one is missing, unless it is a newer one)."""
    drawn = asdict(DevSecrets.generate())
    kept = {
        f.name: str(saved[f.name] if f.name in saved or f.name not in _ADDED else drawn[f.name])
        for f in fields(DevSecrets)
    }
    return DevSecrets(**kept)


@dataclass(frozen=True)
class RunState:
    secrets: DevSecrets
    bus_namespace: str

    @classmethod
    def fresh(cls) -> RunState:
        return cls(DevSecrets.generate(), new_namespace())

    @classmethod
    def load(cls, data_dir: Path) -> RunState | None:
        """The state the previous run saved in ``data_dir``; ``None`` when absent or unreadable."""
        try:
            saved = json.loads((data_dir / FILENAME).read_text())
            return cls(_secrets(saved["secrets"]), str(saved["bus_namespace"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("%s is unreadable; it will be replaced", data_dir / FILENAME)
            return None

    def save(self, data_dir: Path) -> None:
        """Write the state to ``data_dir``, readable and writable by the owner only."""
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / FILENAME
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when the file existed with other permissions
        with os.fdopen(fd, "w") as file:
            json.dump({"secrets": asdict(self.secrets), "bus_namespace": self.bus_namespace}, file)
