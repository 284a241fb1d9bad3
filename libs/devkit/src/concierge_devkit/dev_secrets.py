"""Secrets of a developer stack, generated (they have no working defaults).

A developer run keeps them with its bus namespace (:mod:`concierge_devkit.run_state`);
an evaluation draws new ones for each run.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class DevSecrets:
    conversation_id_key: str
    waha_api_key: str
    webhook_hmac_key: str
    jwt_secret: str  # signs the HTTP API's bearer tokens (python -m gateway token)
    intrinsic_id_key: str  # hashes parent codes: the demo families are seeded under it
    # Each service's password on an embedded NATS is derived from it (concierge_devkit.bus_access).
    bus_password_seed: str

    @classmethod
    def generate(cls) -> DevSecrets:
        return cls(
            conversation_id_key=secrets.token_urlsafe(32),
            waha_api_key=secrets.token_urlsafe(24),
            webhook_hmac_key=secrets.token_urlsafe(32),
            jwt_secret=secrets.token_urlsafe(32),
            intrinsic_id_key=secrets.token_urlsafe(32),
            bus_password_seed=secrets.token_urlsafe(32),
        )
