"""The environment each service process starts with in a developer run."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from concierge_devkit.dev_secrets import DevSecrets
from concierge_devkit.infra import Infrastructure
from concierge_devkit.pacing import apply_demo_pacing
from concierge_devkit.stack_config import StackPorts, health_port_variable


@dataclass(frozen=True)
class RunEnvironment:
    """What the runner decided: infrastructure URLs, secrets, ports, the WAHA stand-in."""

    infra: Infrastructure
    secrets: DevSecrets
    ports: StackPorts
    waha_url: str
    staff_chat_id: str = ""
    bus_namespace: str = ""  # the run's own, unless the caller's environment sets one
    media_dir: Path | None = None  # received files and artifacts (MEDIA_STORAGE_URL)
    demo_pacing: bool = False  # short burst window and typing pauses (concierge_devkit.pacing)


def service_environment(
    run: RunEnvironment, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The caller's environment plus everything the services need for this run.

    Infrastructure URLs, ports and WAHA settings are the runner's; other
    settings (LOG_LEVEL, BUS_*...) pass through from the caller's environment.
    ``JWT_SECRET`` is the caller's when set, so that a developer can mint API
    tokens for the run (``python -m gateway token``), else a generated one. The
    caller's ``BUS_NAMESPACE``, ``MEDIA_STORAGE_URL`` and pacing variables win too.
    """
    env = dict(os.environ if environ is None else environ)
    jwt_secret = env.get("JWT_SECRET") or run.secrets.jwt_secret
    env.update(run.infra.exports())
    env.update(
        {
            "CONVERSATION_ID_KEY": run.secrets.conversation_id_key,
            "INTRINSIC_ID_KEY": run.secrets.intrinsic_id_key,
            "WAHA_URL": run.waha_url,
            "WAHA_API_KEY": run.secrets.waha_api_key,
            "WAHA_WEBHOOK_HMAC_KEY": run.secrets.webhook_hmac_key,
            "JWT_SECRET": jwt_secret,
            "GATEWAY_PORT": str(run.ports.gateway),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.setdefault("GATEWAY_HOST", "127.0.0.1")
    for name, port in run.ports.health.items():
        env[health_port_variable(name)] = str(port)
    if run.staff_chat_id:
        env["STAFF_CHAT_ID"] = run.staff_chat_id
    if run.bus_namespace and not env.get("BUS_NAMESPACE"):
        env["BUS_NAMESPACE"] = run.bus_namespace
    if run.media_dir is not None and not env.get("MEDIA_STORAGE_URL"):
        env["MEDIA_STORAGE_URL"] = str(run.media_dir)
    if run.demo_pacing:
        apply_demo_pacing(env)
    return env
