"""handoff settings (environment variables)."""

from __future__ import annotations

from concierge_common.settings import BusSettings


class HandoffSettings(BusSettings, kw_only=True, frozen=True):
    conversation_id_key: str
    staff_chat_id: str = ""
    handoff_health_port: int = 9104
