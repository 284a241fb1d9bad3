"""handoff settings (environment variables)."""

from __future__ import annotations

from concierge_common.errors import ConfigError
from concierge_common.settings import BusSettings, check_secrets
from handoff import business_hours
from handoff.business_hours import BusinessHours


class HandoffSettings(BusSettings, kw_only=True, frozen=True):
    conversation_id_key: str
    # The staff chat (a number "...@c.us" or a group "...@g.us"); empty: alerts are logged.
    staff_chat_id: str = ""
    handoff_health_port: int = 9104
    handoff_business_hours: str = business_hours.DEFAULT_HOURS
    handoff_timezone: str = business_hours.DEFAULT_TIMEZONE
    # Timers (sweeper.py): how often they are checked, when the person is told that
    # nobody answered yet, when an assigned or active handoff without activity returns.
    handoff_sweep_seconds: float = 15.0
    handoff_no_staff_seconds: float = 600.0
    handoff_idle_seconds: float = 1800.0
    handoff_sweep_batch: int = 200
    # How long the store's CONTACT_HUMAIN prompts are kept before being read again.
    handoff_prompts_ttl_seconds: float = 60.0
    # How long a store request may take before the step is retried.
    handoff_store_timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        check_secrets(self, "conversation_id_key")
        self.business_hours()  # ConfigError at start, naming the mistake
        positive = {
            "HANDOFF_SWEEP_SECONDS": self.handoff_sweep_seconds,
            "HANDOFF_STORE_TIMEOUT_SECONDS": self.handoff_store_timeout_seconds,
            "HANDOFF_SWEEP_BATCH": self.handoff_sweep_batch,
        }
        not_negative = {
            "HANDOFF_NO_STAFF_SECONDS": self.handoff_no_staff_seconds,
            "HANDOFF_IDLE_SECONDS": self.handoff_idle_seconds,
            "HANDOFF_PROMPTS_TTL_SECONDS": self.handoff_prompts_ttl_seconds,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"{name} must be greater than 0, got {value}")
        for name, value in not_negative.items():
            if value < 0:
                raise ConfigError(f"{name} must not be negative, got {value}")

    def business_hours(self) -> BusinessHours:
        return business_hours.parse(self.handoff_business_hours, self.handoff_timezone)
