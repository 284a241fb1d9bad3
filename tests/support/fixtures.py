"""The project's copies of WAHA webhook bodies, and builders of new ones."""

from __future__ import annotations

import copy
import json
import time
import uuid
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "waha"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def text_message(
    chat_id: str, body: str, *, message_id: str | None = None, session: str = "default"
) -> dict[str, Any]:
    """A current-envelope ``message`` event, built on the documented WEBJS text body."""
    event = copy.deepcopy(load("message-text-webjs-inbound.json"))
    event["id"] = "evt_" + uuid.uuid4().hex[:26]
    event["session"] = session
    payload = event["payload"]
    payload["id"] = f"false_{chat_id}_{message_id or uuid.uuid4().hex.upper()}"
    payload["from"] = chat_id
    payload["body"] = body
    payload.pop("_data", None)
    return fresh(event)


def fresh(event: dict[str, Any]) -> dict[str, Any]:
    """``event`` as WAHA would post it now: its envelope's timestamp (milliseconds) is now,
    so that the gateway's replay window (GATEWAY_WEBHOOK_MAX_AGE_SECONDS) lets it in."""
    return {**event, "timestamp": int(time.time() * 1000)}
