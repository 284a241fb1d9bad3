"""``python -m handoff``: run the handoff service until SIGTERM."""

from concierge_common.bus.runtime import run_main
from handoff.service import HandoffService
from handoff.settings import HandoffSettings

if __name__ == "__main__":
    run_main("handoff", HandoffSettings, HandoffService)
