"""Secrets of the developer stack: generated once, then kept in the data folder.

They have no working defaults, so the first run generates them. They are kept
(``<data dir>/dev-secrets.json``, readable by the owner only) because data
outlives a run: parent codes seeded in the database are hashed with
``INTRINSIC_ID_KEY`` and conversation ids with ``CONVERSATION_ID_KEY``.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, fields
from pathlib import Path

FILENAME = "dev-secrets.json"


@dataclass(frozen=True)
class DevSecrets:
    conversation_id_key: str
    waha_api_key: str
    webhook_hmac_key: str
    jwt_secret: str  # signs the HTTP API's bearer tokens (python -m gateway token)
    intrinsic_id_key: str

    @classmethod
    def generate(cls) -> DevSecrets:
        return cls(
            conversation_id_key=secrets.token_urlsafe(32),
            waha_api_key=secrets.token_urlsafe(24),
            webhook_hmac_key=secrets.token_urlsafe(32),
            jwt_secret=secrets.token_urlsafe(32),
            intrinsic_id_key=secrets.token_urlsafe(32),
        )

    @classmethod
    def load_or_create(cls, data_dir: Path) -> DevSecrets:
        """The secrets kept in ``data_dir``; new ones (saved there) when absent or incomplete."""
        path = data_dir / FILENAME
        try:
            saved = json.loads(path.read_text())
            return cls(**{f.name: str(saved[f.name]) for f in fields(cls)})
        except (OSError, ValueError, KeyError, TypeError):
            pass
        created = cls.generate()
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            json.dump(asdict(created), file)
        return created
